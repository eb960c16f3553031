using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Offload.Samples.Gallery;

/// <summary>
/// What the gallery shows while it works. Live (a terminal): Spectre progress bars, one per image in flight, fed by
/// the workers' progress reports, the last results as they finish and the last worker log lines below; then the big
/// image's heat map filling in tile by tile as the tiles stream in. Plain (output redirected, or <c>--plain</c>):
/// the same events as lines, with a progress line at most once a second, so that logs stay short.
/// </summary>
public sealed class GalleryView
{
    private static readonly TimeSpan PlainProgressEvery = TimeSpan.FromSeconds(1);

    private readonly bool _live;
    private readonly LogFeed _feed;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly Queue<ImageReport> _recent = new();
    private ProgressContext? _context;
    private ProgressTask? _overall;
    private int _done;
    private int _rowsShown = 6;

    /// <summary>A view that draws live on the terminal (<paramref name="live"/>) or prints lines.</summary>
    public GalleryView(bool live, LogFeed feed)
    {
        _live = live;
        _feed = feed;
        if (!live)
        {
            feed.Logged += line => WriteLine("log: " + line);
        }
    }

    /// <summary>Writes a line of markup above whatever is live (Spectre keeps its display below).</summary>
    public void Say(string markup)
    {
        if (_live)
        {
            AnsiConsole.MarkupLine(markup);
        }
        else
        {
            WriteLine(Markup.Remove(markup));
        }
    }

    /// <summary>
    /// Runs the batch <paramref name="work"/> of <paramref name="total"/> images, at most <paramref name="inFlight"/>
    /// at a time, under the display.
    /// </summary>
    public async Task ShowBatchAsync(int total, int inFlight, Func<Task> work)
    {
        if (_live)
        {
            // Results and log lines share what the terminal has left below the bars (one per worker, and the total).
            _rowsShown = Math.Clamp((AnsiConsole.Profile.Height - inFlight - 12) / 2, 2, 6);
            await AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .UseRenderHook((progress, _) => new Rows(progress, RecentResults(total), RecentLogs()))
                .StartAsync(async context =>
                {
                    _context = context;
                    _overall = context.AddTask("[bold]all images[/]", maxValue: total);
                    await work();
                });
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        await using (new Timer(_ => WriteLine(PlainProgress(total, stopwatch.Elapsed)), null, PlainProgressEvery, PlainProgressEvery))
        {
            await work();
        }

        WriteLine(PlainProgress(total, stopwatch.Elapsed));
    }

    /// <summary>An image went to a worker: what its progress reports should move.</summary>
    public IProgress<int> Started(LibraryImage image)
    {
        // Spectre's calls stay outside this view's lock: its display thread takes its own lock and then asks this
        // view for what to draw.
        if (_context is { } context)
        {
            var task = context.AddTask(Markup.Escape($"{image.Name} {image.Width}x{image.Height}"), maxValue: 100);
            lock (_lock)
            {
                _tasks[image.Name] = task;
            }

            return new ActionProgress<int>(percent => task.Value = percent);
        }

        lock (_lock)
        {
            _inFlight[image.Name] = 0;
        }

        return new ActionProgress<int>(percent =>
        {
            lock (_lock)
            {
                _inFlight[image.Name] = percent;
            }
        });
    }

    /// <summary>An image's result came back.</summary>
    public void Finished(ImageReport report)
    {
        ProgressTask? task;
        lock (_lock)
        {
            _done++;
            _recent.Enqueue(report);
            if (_recent.Count > _rowsShown)
            {
                _recent.Dequeue();
            }

            _inFlight.Remove(report.Name);
            _tasks.Remove(report.Name, out task);
        }

        if (task is not null)
        {
            _context!.RemoveTask(task);
            _overall!.Increment(1);
        }

        if (!_live)
        {
            WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"done: {report.Name} {report.Width}x{report.Height} ({report.Bytes / 1e6:0.0} MB): {report.EdgeDensity:P1} edges, brightness {report.MeanLuma:0.00}, contrast {report.Contrast:0.00}, sha256 {report.Hash}, {report.ElapsedMilliseconds:0} ms on worker {report.WorkerId}"));
        }
    }

    /// <summary>Runs <paramref name="work"/>, which feeds tiles to <paramref name="map"/>, under the display.</summary>
    public async Task ShowTilesAsync(TileMap map, string title, Func<Task> work)
    {
        if (_live)
        {
            await AnsiConsole.Live(TilesView(map, title)).AutoClear(false).StartAsync(async context =>
            {
                var running = work();
                while (await Task.WhenAny(running, Task.Delay(100)) != running)
                {
                    context.UpdateTarget(TilesView(map, title));
                }

                context.UpdateTarget(TilesView(map, title));
                await running;
            });
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        await using (new Timer(_ => WriteLine(TileProgress(map, stopwatch.Elapsed)), null, PlainProgressEvery, PlainProgressEvery))
        {
            await work();
        }

        WriteLine(TileProgress(map, stopwatch.Elapsed));
        WriteLine(title + " (edge density: ' ' none to '@' busy):");
        foreach (var line in map.ToText())
        {
            WriteLine("  |" + line + "|");
        }
    }

    private static string TileProgress(TileMap map, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"progress: {map.Count}/{map.Total} tiles streamed back, {elapsed.TotalSeconds:0.0} s");

    private IRenderable TilesView(TileMap map, string title)
    {
        // The heat map takes what the terminal has above the title and the log panel.
        var scale = map.PixelsPerTile(AnsiConsole.Profile.Width - 2, AnsiConsole.Profile.Height - _rowsShown - 5);
        return new Rows(
            new Markup(Markup.Escape($"{title}: {map.Count}/{map.Total} tiles streamed back (brighter: more edges)")),
            map.ToCanvas(scale),
            RecentLogs());
    }

    private string PlainProgress(int total, TimeSpan elapsed)
    {
        lock (_lock)
        {
            var inFlight = string.Join(", ", _inFlight.Select(i => $"{i.Key} {i.Value}%"));
            return string.Create(CultureInfo.InvariantCulture, $"progress: {_done}/{total} images done, {elapsed.TotalSeconds:0.0} s; in flight: {(inFlight.Length > 0 ? inFlight : "none")}");
        }
    }

    private Table RecentResults(int total)
    {
        var table = new Table().Border(TableBorder.Simple);
        table.Title = new TableTitle(string.Create(CultureInfo.InvariantCulture, $"finished: {Volatile.Read(ref _done)} of {total}, latest first"));
        table.AddColumns("image", "size", "edges", "brightness", "contrast", "time", "worker");
        lock (_lock)
        {
            foreach (var report in _recent.Reverse())
            {
                table.AddRow(
                    report.Name,
                    $"{report.Width}x{report.Height}",
                    report.EdgeDensity.ToString("P1", CultureInfo.InvariantCulture),
                    report.MeanLuma.ToString("0.00", CultureInfo.InvariantCulture),
                    report.Contrast.ToString("0.00", CultureInfo.InvariantCulture),
                    report.ElapsedMilliseconds.ToString("0 'ms'", CultureInfo.InvariantCulture),
                    report.WorkerId.ToString(CultureInfo.InvariantCulture));
            }
        }

        return table;
    }

    private Panel RecentLogs()
    {
        // One line each, cut to the panel's width: a wrapped line would push the display off the screen.
        var width = Math.Max(AnsiConsole.Profile.Width - 4, 20);
        var lines = _feed.Recent().TakeLast(_rowsShown).ToArray();
        IRenderable body = lines.Length == 0
            ? new Markup("[grey]nothing logged yet[/]")
            : new Rows(lines.Select(line =>
            {
                var text = line.ToString();
                return new Markup($"[{LevelColor(line.Level)}]{Markup.Escape(text.Length > width ? text[..(width - 1)] + "…" : text)}[/]");
            }));
        return new Panel(body) { Header = new PanelHeader(" worker logs "), Expand = true };
    }

    private static string LevelColor(LogLevel level) => level switch
    {
        >= LogLevel.Error => "red",
        LogLevel.Warning => "yellow",
        LogLevel.Information => "silver",
        _ => "grey",
    };

    private void WriteLine(string line)
    {
        // Lines come from the workers' log replay, progress timers and result continuations at once.
        lock (_lock)
        {
            Console.Out.WriteLine(line);
        }
    }
}
