using System.Diagnostics;
using System.Globalization;
using Offload.Benchmarks;

// Usage: dotnet run -c Release --project bench/Offload.Benchmarks [-- --quick|--full|--smoke] [--only <sections>] [--out <directory>]

// This program started again as a child process by one of the baselines.
switch (args)
{
    case [SocketBaseline.ChildOption, var echoSocketPath, var echoMode]:
        return SocketBaseline.RunEchoChild(echoSocketPath, echoMode);
    case [PlainChildren.ChildOption, var plainSocketPath]:
        return PlainChildren.RunChild(plainSocketPath);
    case [ColdShared.ChildOption]:
        return await ColdShared.RunChildAsync();
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var settings = BenchmarkSettings.Full;
string? outputDirectory = null;
string[] sections = ["python", "baseline", "startup", "appkinds", "roundtrip", "throughput", "bulk", "payload", "cpu", "scaling", "memory", "telemetry", "chaos"];

// Chaos (a worker killed every 200 ms) belongs to another issue and takes a while: only with --only chaos.
var selected = sections.Where(s => s != "chaos").ToHashSet();
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
        case "--smoke":
            settings = BenchmarkSettings.Smoke;
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
            Console.WriteLine("Offload benchmarks: every goal of the performance issue against its baseline, measured in the same run.");
            Console.WriteLine("  --quick        smaller counts (under 2 minutes on 2 cores)");
            Console.WriteLine("  --full         full counts, 1,000,000 calls and items (the default; under 10 minutes on 2 cores)");
            Console.WriteLine("  --smoke        tiny counts, only to check that every section runs (seconds)");
            Console.WriteLine("  --only <list>  comma-separated sections to run: " + string.Join(",", sections) + " (default: all but chaos; appkinds publishes the start-up probe as ReadyToRun and NativeAOT)");
            Console.WriteLine("  --out <dir>    where latest.md, latest.json, speedup.png and latency.png go (default: bench/results)");
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
var findings = new Findings();
var measurements = new Measurements(settings, table, findings);
var wallClock = Stopwatch.StartNew();
var processors = Environment.ProcessorCount;

if (selected.Contains("python"))
{
    await Section($"Python multiprocessing.Pool({processors}) baseline", () => PythonBaseline.RunAsync(settings, processors, table, findings));
}

if (selected.Contains("baseline"))
{
    await Section("Raw Unix domain socket: ping-pong", () => SocketBaseline.MeasurePingPongAsync(settings, table, findings));
    await Section("Raw Unix domain socket: pipelined messages", () => SocketBaseline.MeasurePipelinedAsync(settings, table, findings));
    await Section("Raw Unix domain socket: byte[] echo", () => SocketBaseline.MeasureEchoAsync(settings, table, findings));
}

if (selected.Contains("startup"))
{
    await Section("Pool start-up against plain children", measurements.StartupAsync);
}

if (selected.Contains("appkinds"))
{
    // It publishes the probe twice (NativeAOT compilation takes a minute or more on 2 cores): a timeout of its own.
    await Section("Start-up and idle memory by app kind (framework-dependent, ReadyToRun, NativeAOT)", () => AppKinds.MeasureAsync(settings, table, findings), TimeSpan.FromMinutes(10));
}

if (selected.Contains("roundtrip"))
{
    await Section("Round trip, 1 worker", () => measurements.RoundTripAsync(1));
    if (processors > 1)
    {
        await Section($"Round trip, {processors} workers", () => measurements.RoundTripAsync(processors));
    }
}

if (selected.Contains("throughput"))
{
    await Section("Throughput of concurrent trivial calls", measurements.ThroughputAsync);
}

if (selected.Contains("bulk"))
{
    await Section("Bulk map", () => BulkMap.MeasureAsync(settings, table, findings, measurements.TrackPool));
}

if (selected.Contains("payload"))
{
    await Section("Payload: byte[], float[] and double[] echo", measurements.PayloadAsync);
}

if (selected.Contains("cpu"))
{
    await Section("CPU-bound batches against Parallel.For", measurements.CpuAsync);
}

if (selected.Contains("scaling"))
{
    await Section("CPU speedup against worker count", measurements.ScalingAsync);
}

if (selected.Contains("memory"))
{
    await Section("Idle memory against a plain child", measurements.MemoryAsync);
}

if (selected.Contains("telemetry"))
{
    await Section("Telemetry: traced and metered calls against untraced ones", () => TelemetryCost.MeasureAsync(settings, table, measurements.TrackPool));
}

if (selected.Contains("chaos"))
{
    await Section("Chaos: a worker killed every 200 ms", () => Chaos.RunAsync(settings, table, measurements.TrackPool));
}

table.Goals = Goals.Evaluate(findings);
environment = environment with { LoadAverageAtEnd = RunEnvironment.ReadLoadAverage(), WallSeconds = wallClock.Elapsed.TotalSeconds };
Console.WriteLine();
Console.WriteLine($"Finished in {wallClock.Elapsed.TotalSeconds:F1} s.");
Console.WriteLine();
Console.WriteLine(table.ToMarkdown(environment));

var directory = outputDirectory ?? DefaultOutputDirectory();
var (markdownPath, jsonPath) = table.WriteFiles(directory, environment);
Console.WriteLine($"Wrote {markdownPath} and {jsonPath}.");
try
{
    foreach (var plot in Plots.Write(directory, findings))
    {
        Console.WriteLine($"Wrote {plot}.");
    }
}
catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException)
{
    // The plots are a convenience: a machine without SkiaSharp's native library still gets the tables.
    Console.WriteLine($"No plots: {ex.Message}");
}

return 0;

// Runs one measurement; a section that does not finish in time means something hangs: report what and stop.
async Task Section(string title, Func<Task> body, TimeSpan? timeout = null)
{
    Console.WriteLine();
    Console.WriteLine($"## {title}");
    var clock = Stopwatch.StartNew();
    var task = body();
    var limit = timeout ?? settings.SectionTimeout;
    if (await Task.WhenAny(task, Task.Delay(limit)) != task)
    {
        Console.Error.WriteLine($"HANG: '{title}' did not finish within {limit.TotalSeconds:F0} s; {measurements.DescribeCurrentPool()}.");
        Environment.Exit(3);
    }

    await task;
    Console.WriteLine($"  ({clock.Elapsed.TotalSeconds:F1} s)");
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
