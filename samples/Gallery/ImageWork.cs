using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Offload.Samples.Gallery;

/// <summary>
/// What the gallery runs in worker processes: one image file at a time, reporting its progress, and a big image tile
/// by tile, streaming each tile's result back as soon as it is done. Both log through an <see cref="ILogger{T}"/>
/// that the pool binds in the worker and replays in this process.
/// </summary>
public sealed partial class ImageWork
{
    /// <summary>Radius of the blur that takes the grain out before edges are counted: most of the CPU time.</summary>
    public const int BlurRadius = 12;

    /// <summary>Pixels on a side of one tile of the big image.</summary>
    public const int TileSize = 128;

    private const int TileBlurRadius = 8;

    // Below this standard deviation of luma (0 to 1) an image is flat enough that its edge count says little.
    private const double LowContrast = 0.07;

    private ImageWork()
    {
    }

    /// <summary>
    /// Reads the image at <paramref name="path"/>, blurs it, counts its edges, measures its brightness and contrast
    /// and hashes the result; reports its progress in percent.
    /// </summary>
    [RunInWorkerProcess]
    public static ImageReport Analyze(string path, IProgress<int> progress, ILogger<ImageWork> logger)
    {
        var stopwatch = Stopwatch.StartNew();
        var name = Path.GetFileNameWithoutExtension(path);
        var image = PamImage.Load(path);
        var percent = 0;
        var blurred = ImageFilters.GaussianBlur(image.Pixels, image.Width, image.Height, BlurRadius, share => Report((int)(share * 90)));
        var luma = ImageFilters.Luma(blurred, image.Width, image.Height);
        var edges = ImageFilters.EdgeDensity(luma, image.Width, image.Height);
        Report(97);
        var (mean, contrast) = Moments(ImageFilters.Histogram(luma), luma.Length);
        var hash = Convert.ToHexStringLower(SHA256.HashData(blurred).AsSpan(0, 8));
        Report(100);

        var elapsed = stopwatch.Elapsed.TotalMilliseconds;
        LogAnalyzed(logger, name, image.Width, image.Height, edges * 100, mean, elapsed);
        if (contrast < LowContrast)
        {
            LogLowContrast(logger, name, contrast);
        }

        return new ImageReport(name, image.Width, image.Height, image.Pixels.Length, mean, contrast, edges, hash, elapsed, OffloadWorker.WorkerId ?? 0);

        void Report(int value)
        {
            // Whole percents only: the bar cannot show finer, and fewer reports cost less.
            if (value > percent)
            {
                percent = value;
                progress.Report(value);
            }
        }
    }

    /// <summary>
    /// Makes the tiles of rows <paramref name="firstRow"/> to <paramref name="firstRow"/> + <paramref name="rowCount"/>
    /// of the synthetic image <paramref name="seed"/> (<paramref name="width"/> x <paramref name="height"/>, in tiles
    /// of <see cref="TileSize"/>) right here in the worker, and yields each tile's brightness and edge density as
    /// soon as it is done.
    /// </summary>
    [RunInWorkerProcess]
    public static async IAsyncEnumerable<TileReport> ScanTiles(
        int seed, int width, int height, int firstRow, int rowCount, ILogger<ImageWork> logger, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var columns = width / TileSize;
        LogScanning(logger, firstRow, firstRow + rowCount - 1, width, height);
        var tile = new byte[TileSize * TileSize * SyntheticImage.Channels];
        for (var row = firstRow; row < firstRow + rowCount; row++)
        {
            // The work is synchronous; an async iterator needs an await, and giving up the thread once per row of
            // tiles costs nothing next to the row's work.
            await Task.Yield();
            for (var column = 0; column < columns; column++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                SyntheticImage.Fill(seed, width, height, column * TileSize, row * TileSize, TileSize, TileSize, tile);
                var blurred = ImageFilters.GaussianBlur(tile, TileSize, TileSize, TileBlurRadius);
                var luma = ImageFilters.Luma(blurred, TileSize, TileSize);
                var edges = ImageFilters.EdgeDensity(luma, TileSize, TileSize);
                yield return new TileReport(row, column, luma.Average() / 255, edges, OffloadWorker.WorkerId ?? 0);
            }
        }

        LogScanned(logger, rowCount * columns, firstRow, firstRow + rowCount - 1, stopwatch.Elapsed.TotalMilliseconds);
    }

    private static (double Mean, double Contrast) Moments(int[] histogram, int pixels)
    {
        double sum = 0, squares = 0;
        for (var value = 0; value < histogram.Length; value++)
        {
            sum += (double)value * histogram[value];
            squares += (double)value * value * histogram[value];
        }

        var mean = sum / pixels;
        return (mean / 255, Math.Sqrt(Math.Max(squares / pixels - mean * mean, 0)) / 255);
    }

    [LoggerMessage(1, LogLevel.Information, "Analyzed {Image} ({Width}x{Height}): {EdgePercent:0.0}% edges, brightness {Brightness:0.00}, in {ElapsedMs:0} ms")]
    private static partial void LogAnalyzed(ILogger logger, string image, int width, int height, double edgePercent, double brightness, double elapsedMs);

    [LoggerMessage(2, LogLevel.Warning, "{Image} has little contrast ({Contrast:0.000}): edges may be missed")]
    private static partial void LogLowContrast(ILogger logger, string image, double contrast);

    [LoggerMessage(3, LogLevel.Information, "Scanning tile rows {First}-{Last} of a {Width}x{Height} image")]
    private static partial void LogScanning(ILogger logger, int first, int last, int width, int height);

    [LoggerMessage(4, LogLevel.Information, "Scanned {Tiles} tiles (rows {First}-{Last}) in {ElapsedMs:0} ms")]
    private static partial void LogScanned(ILogger logger, int tiles, int first, int last, double elapsedMs);
}
