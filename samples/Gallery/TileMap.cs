using Spectre.Console;

namespace Offload.Samples.Gallery;

/// <summary>
/// The big image's tiles as they arrive: a heat map of edge density, drawn as a Spectre <see cref="Canvas"/> (one
/// cell per tile) on a terminal, or as characters in a log.
/// </summary>
public sealed class TileMap(int columns, int rows)
{
    private const string Shades = " .:-=+*#%@";

    private static readonly (double At, Color Color)[] Stops =
        [(0, new Color(20, 20, 60)), (0.25, new Color(110, 30, 130)), (0.5, new Color(215, 70, 60)), (0.75, new Color(250, 175, 40)), (1, new Color(255, 250, 190))];

    private readonly double?[,] _edges = new double?[rows, columns];
    private readonly Lock _lock = new();
    private int _count;

    // The busiest tile so far is the top of the scale, so that the map shows contrast whatever the image.
    private double _busiest = 0.01;

    /// <summary>Tiles received so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Tiles in the image.</summary>
    public int Total => columns * rows;

    /// <summary>Records a tile.</summary>
    public void Add(TileReport tile)
    {
        lock (_lock)
        {
            _edges[tile.Row, tile.Column] = tile.EdgeDensity;
            _busiest = Math.Max(_busiest, tile.EdgeDensity);
            _count++;
        }
    }

    /// <summary>
    /// The map so far, each tile a square of <paramref name="pixelsPerTile"/> canvas pixels (a pixel is half a
    /// character tall); tiles still to come are grey.
    /// </summary>
    public Canvas ToCanvas(int pixelsPerTile)
    {
        var canvas = new Canvas(columns * pixelsPerTile, rows * pixelsPerTile);
        lock (_lock)
        {
            for (var y = 0; y < rows * pixelsPerTile; y++)
            {
                for (var x = 0; x < columns * pixelsPerTile; x++)
                {
                    canvas.SetPixel(x, y, _edges[y / pixelsPerTile, x / pixelsPerTile] is { } edges ? Heat(edges) : Color.Grey15);
                }
            }
        }

        return canvas;
    }

    /// <summary>The most canvas pixels per tile, up to 4, that fit <paramref name="width"/> characters and <paramref name="height"/> lines.</summary>
    public int PixelsPerTile(int width, int height) => Math.Clamp(Math.Min(width / columns, 2 * height / rows), 1, 4);

    /// <summary>The map as lines of characters, denser for more edges; '?' for a tile that never came.</summary>
    public IEnumerable<string> ToText()
    {
        lock (_lock)
        {
            var lines = new List<string>(rows);
            for (var row = 0; row < rows; row++)
            {
                var line = new char[columns];
                for (var column = 0; column < columns; column++)
                {
                    line[column] = _edges[row, column] is { } edges ? Shades[(int)Math.Round(Scale(edges) * (Shades.Length - 1))] : '?';
                }

                lines.Add(new string(line));
            }

            return lines;
        }
    }

    private double Scale(double edges) => Math.Clamp(edges / _busiest, 0, 1);

    private Color Heat(double edges)
    {
        var t = Scale(edges);
        var upper = Array.FindIndex(Stops, stop => stop.At >= t);
        if (upper <= 0)
        {
            return Stops[0].Color;
        }

        var (from, to) = (Stops[upper - 1], Stops[upper]);
        return from.Color.Blend(to.Color, (float)((t - from.At) / (to.At - from.At)));
    }
}
