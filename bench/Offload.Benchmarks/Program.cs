using System.Diagnostics;
using System.Globalization;
using Offload.Benchmarks;

// Usage: dotnet run -c Release --project bench/Offload.Benchmarks [-- --quick] [--only <sections>] [--out <directory>]
if (args is [SocketBaseline.ChildOption, var echoSocketPath])
{
    return SocketBaseline.RunEchoChild(echoSocketPath);
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var settings = BenchmarkSettings.Full;
string? outputDirectory = null;
string[] sections = ["baseline", "startup", "roundtrip", "throughput", "cpu", "chaos"];
var selected = sections.ToHashSet();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick":
            settings = BenchmarkSettings.Quick;
            break;
        case "--full":
            settings = BenchmarkSettings.Full;
            break;
        case "--out" when i + 1 < args.Length:
            outputDirectory = args[++i];
            break;
        case "--only" when i + 1 < args.Length:
            selected = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            if (selected.Except(sections).FirstOrDefault() is { } unknown)
            {
                Console.Error.WriteLine($"Unknown section '{unknown}'; sections: {string.Join(", ", sections)}.");
                return 2;
            }

            break;
        case "--help" or "-h":
            Console.WriteLine("Offload benchmarks: pool start-up, round trip, throughput, CPU speedup, raw socket baseline.");
            Console.WriteLine("  --quick        small counts (under a minute on 2 cores)");
            Console.WriteLine("  --full         full counts (the default)");
            Console.WriteLine("  --only <list>  comma-separated sections to run: " + string.Join(",", sections));
            Console.WriteLine("  --out <dir>    where latest.md and latest.json go (default: bench/results)");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'; see --help.");
            return 2;
    }
}

#if DEBUG
Console.WriteLine("WARNING: this is a Debug build; numbers are only meaningful with -c Release.");
#endif

var environment = RunEnvironment.Capture(settings.Mode);
foreach (var line in environment.Describe())
{
    Console.WriteLine(line);
}

var table = new ResultTable();
var measurements = new Measurements(settings, table);
var wallClock = Stopwatch.StartNew();

(LatencySummary Blocking, LatencySummary Async)? socket = null;
LatencySummary? roundTrip = null;
if (selected.Contains("baseline"))
{
    socket = await Measure("Raw Unix domain socket baseline", () => SocketBaseline.MeasureAsync(settings, table));
}

if (selected.Contains("startup"))
{
    await Section("Pool start-up", measurements.StartupAsync);
}

if (selected.Contains("roundtrip"))
{
    roundTrip = await Measure("Round trip, 1 worker", () => measurements.RoundTripAsync(1));
    if (Environment.ProcessorCount > 1)
    {
        await Section($"Round trip, {Environment.ProcessorCount} workers", () => measurements.RoundTripAsync(Environment.ProcessorCount));
    }
}

if (selected.Contains("throughput"))
{
    foreach (var prefetch in settings.PrefetchValues)
    {
        await Section($"Throughput, Prefetch={prefetch}", () => measurements.ThroughputAsync(prefetch));
    }
}

if (selected.Contains("cpu"))
{
    await Section("CPU-bound speedup", measurements.CpuSpeedupAsync);
}

if (selected.Contains("chaos"))
{
    await Section("Chaos: a worker killed every 200 ms", () => Chaos.RunAsync(settings, table, measurements.TrackExternal));
}

if (socket is { } raw && roundTrip is { } offload)
{
    Console.WriteLine();
    table.Add("baseline", "Offload round trip p50 (1 worker) ÷ raw UDS blocking p50", offload.P50 / raw.Blocking.P50, "×", 1, "how many raw socket round trips one trivial Offload call costs");
    table.Add("baseline", "Offload round trip p50 (1 worker) ÷ raw UDS async p50", offload.P50 / raw.Async.P50, "×", 1, "the same against an async socket loop");
}

environment = environment with { LoadAverageAtEnd = RunEnvironment.ReadLoadAverage() };
Console.WriteLine();
Console.WriteLine($"Finished in {wallClock.Elapsed.TotalSeconds:F1} s.");
Console.WriteLine();
Console.WriteLine(table.ToMarkdown(environment));

var (markdownPath, jsonPath) = table.WriteFiles(outputDirectory ?? DefaultOutputDirectory(), environment);
Console.WriteLine($"Wrote {markdownPath} and {jsonPath}.");
return 0;

Task Section(string title, Func<Task> body) => Measure(title, async () =>
{
    await body();
    return true;
});

// Runs one measurement; a section that does not finish in time means something hangs: report what and stop.
async Task<T> Measure<T>(string title, Func<Task<T>> body)
{
    Console.WriteLine();
    Console.WriteLine($"## {title}");
    var clock = Stopwatch.StartNew();
    var task = body();
    if (await Task.WhenAny(task, Task.Delay(settings.SectionTimeout)) != task)
    {
        Console.Error.WriteLine($"HANG: '{title}' did not finish within {settings.SectionTimeout.TotalSeconds:F0} s; {measurements.DescribeCurrentPool()}.");
        Environment.Exit(3);
    }

    var result = await task;
    Console.WriteLine($"  ({clock.Elapsed.TotalSeconds:F1} s)");
    return result;
}

// bench/results next to this project, found from the build output; the working directory if the repo is not around it.
static string DefaultOutputDirectory()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Offload.sln")))
        {
            return Path.Combine(directory.FullName, "bench", "results");
        }
    }

    return Path.Combine(Environment.CurrentDirectory, "bench", "results");
}
