using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Offload;
using Offload.Samples.Gallery;
using Spectre.Console;

// Makes a folder of synthetic images, then analyzes them in a pool of worker processes with a live display: a
// progress bar per image in flight (fed by ImageWork.Analyze's IProgress parameter), results as they finish, and the
// workers' log lines (an ILogger parameter, replayed here through the pool's LoggerFactory). Then one big image is
// scanned tile by tile, each worker streaming its tiles back (ImageWork.ScanTiles returns an IAsyncEnumerable) into a
// heat map. The summary compares the pool's throughput with the same analysis run here, one image at a time, on a
// subset. `--quick` is the small run CI uses; with output redirected everything is printed as plain lines.
GalleryOptions options;
try
{
    options = GalleryOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(GalleryOptions.Usage);
    return 2;
}

var feed = new LogFeed();
using var loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(feed));
var live = !options.Plain && !Console.IsOutputRedirected;
if (!live)
{
    // No terminal to fit: Spectre would assume 80 columns and wrap the summary table.
    AnsiConsole.Profile.Width = 120;
}

var view = new GalleryView(live, feed);

var stopwatch = Stopwatch.StartNew();
using var library = ImageLibrary.Create(options.Count, options.Quick);
view.Say(Markup.Escape(Invariant($"Made {library.Images.Count} synthetic images ({Mb(library.TotalBytes)} MB of pixels) in {library.Folder} in {stopwatch.Elapsed.TotalSeconds:0.0} s.")));

// The baseline: the same analysis in this process, one image at a time, on every k-th image (so that it sees the
// same mix of sizes). A warm-up first, here as in the workers, so that neither side pays for JIT compilation.
var baselineCount = Math.Min(library.Images.Count, options.Quick ? 4 : Math.Max(4, options.Count / 8));
var subset = Enumerable.Range(0, baselineCount).Select(i => library.Images[i * library.Images.Count / baselineCount]).ToArray();
ImageWork.Analyze(library.WarmUp.Path, ActionProgress<int>.None, NullLogger<ImageWork>.Instance);
stopwatch.Restart();
var baseline = subset.Select(image => ImageWork.Analyze(image.Path, ActionProgress<int>.None, NullLogger<ImageWork>.Instance)).ToArray();
var sequential = stopwatch.Elapsed;
var sequentialBytes = subset.Sum(image => image.Bytes);
view.Say(Invariant($"In this process, one at a time: {subset.Length} images in {sequential.TotalSeconds:0.00} s ({Mb(sequentialBytes / sequential.TotalSeconds)} MB/s)."));

await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = options.Workers, LoggerFactory = loggerFactory });
stopwatch.Restart();
await pool.StartAsync();
var startup = stopwatch.Elapsed;
await Task.WhenAll(Enumerable.Range(0, options.Workers).Select(_ => ImageWork.AnalyzeAsync(pool, library.WarmUp.Path, ActionProgress<int>.None)));
view.Say(Invariant($"A pool of {options.Workers} worker(s) on {Environment.ProcessorCount} core(s), ready in {startup.TotalMilliseconds:0} ms."));

// The batch: as many images in flight as there are workers, each with its own progress bar.
var reports = new ConcurrentBag<ImageReport>();
stopwatch.Restart();
await view.ShowBatchAsync(library.Images.Count, options.Workers, () => Parallel.ForEachAsync(
    library.Images,
    new ParallelOptions { MaxDegreeOfParallelism = options.Workers },
    async (image, cancellationToken) =>
    {
        var report = await ImageWork.AnalyzeAsync(pool, image.Path, view.Started(image), cancellationToken);
        reports.Add(report);
        view.Finished(report);
    }));
var batch = stopwatch.Elapsed;

// One big image, made and scanned in the workers: each takes a band of tile rows and streams its tiles back.
var (width, height) = options.Quick ? (2048, 1024) : (4096, 2048);
var map = new TileMap(width / ImageWork.TileSize, height / ImageWork.TileSize);
var rows = height / ImageWork.TileSize;
var bandCount = Math.Min(options.Workers, rows);
var bands = Enumerable.Range(0, bandCount).Select(b => (First: rows * b / bandCount, Count: rows * (b + 1) / bandCount - rows * b / bandCount));
stopwatch.Restart();
await view.ShowTilesAsync(map, Invariant($"one {width}x{height} image in {ImageWork.TileSize}-pixel tiles"), () => Task.WhenAll(bands.Select(async band =>
{
    await foreach (var tile in ImageWork.ScanTilesAsync(pool, 7, width, height, band.First, band.Count))
    {
        map.Add(tile);
    }
})));
var scan = stopwatch.Elapsed;

// The summary, and checks: the workers' results match this process's, and every tile came.
var total = library.TotalBytes;
var sequentialRate = sequentialBytes / sequential.TotalSeconds;
var poolRate = total / batch.TotalSeconds;
var table = new Table { Title = new TableTitle("Summary") };
table.AddColumn("run");
foreach (var column in new[] { "work", "MB", "wall time", "rate", "MB/s", "speedup" })
{
    table.AddColumn(new TableColumn(column).RightAligned());
}

table.AddRow("in-process, sequential", Invariant($"{subset.Length} images"), Mb(sequentialBytes), Invariant($"{sequential.TotalSeconds:0.00} s"), Invariant($"{subset.Length / sequential.TotalSeconds:0.0} images/s"), Mb(sequentialRate), "1.00x");
table.AddRow(Invariant($"pool of {options.Workers} worker(s)"), Invariant($"{library.Images.Count} images"), Mb(total), Invariant($"{batch.TotalSeconds:0.00} s"), Invariant($"{library.Images.Count / batch.TotalSeconds:0.0} images/s"), Mb(poolRate), Invariant($"{poolRate / sequentialRate:0.00}x"));
table.AddRow("pool, streamed tiles", Invariant($"{map.Total} tiles"), Mb((long)width * height * 4), Invariant($"{scan.TotalSeconds:0.00} s"), Invariant($"{map.Count / scan.TotalSeconds:0} tiles/s"), Mb((long)width * height * 4 / scan.TotalSeconds), "-");
AnsiConsole.WriteLine();
AnsiConsole.Write(table);

var mismatches = baseline.Where(expected => reports.Single(r => r.Name == expected.Name).Hash != expected.Hash).Select(r => r.Name).ToArray();
Console.WriteLine(Invariant($"Throughput: {library.Images.Count / batch.TotalSeconds:0.0} images/s, {Mb(poolRate)} MB/s with {options.Workers} worker(s): {poolRate / sequentialRate:0.00}x the rate of this process alone (MB/s, measured on {subset.Length} of the images)."));
Console.WriteLine(Invariant($"Pool start-up: {startup.TotalMilliseconds:0} ms (not counted above). Worker log lines received: {feed.WorkerLines}."));
Console.WriteLine(mismatches.Length == 0
    ? Invariant($"Checks: the workers' results for the {baseline.Length} baseline images match this process's (same SHA-256); {map.Count} of {map.Total} tiles arrived.")
    : "Checks FAILED: the workers' results differ from this process's for " + string.Join(", ", mismatches));
return mismatches.Length == 0 && map.Count == map.Total ? 0 : 1;

static string Mb(double bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture);

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
