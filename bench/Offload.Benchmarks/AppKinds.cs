using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Offload.Benchmarks;

/// <summary>
/// Start-up and idle memory by the way an app ships: bench/Offload.StartupProbe, published framework-dependent with
/// ReadyToRun and as NativeAOT (and run from its build output), times pools of N workers until StartAsync completes
/// and as many plain children of itself, and reads their idle RSS and PSS. Each flavor compares with itself, and
/// NativeAOT with the framework-dependent build of the same app.
/// </summary>
internal static class AppKinds
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    public static async Task MeasureAsync(BenchmarkSettings settings, ResultTable table, Findings findings)
    {
        var project = Path.Combine(RepositoryRoot(), "bench", "Offload.StartupProbe");
        var scratch = Directory.CreateTempSubdirectory("offload-appkinds-");
        try
        {
            var runtime = RuntimeInformation.RuntimeIdentifier;
            var readyToRun = Path.Combine(scratch.FullName, "r2r");
            var nativeAot = Path.Combine(scratch.FullName, "aot");
            await PublishAsync(project, readyToRun, ["-r", runtime, "--self-contained", "false", "-p:PublishReadyToRun=true"]);
            await PublishAsync(project, nativeAot, ["-r", runtime, "-p:OffloadProbeAot=true"]);

            var workers = Environment.ProcessorCount;
            string[] measure = ["--measure", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), settings.StartupRepetitions.ToString(System.Globalization.CultureInfo.InvariantCulture), ((int)settings.MemorySettle.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)];
            var build = await RunAsync(DotnetHost.Find(), [Path.Combine(project, "bin", Configuration, "net10.0", "Offload.StartupProbe.dll"), .. measure]);
            var r2r = await RunAsync(Path.Combine(readyToRun, "Offload.StartupProbe"), measure);
            var aot = await RunAsync(Path.Combine(nativeAot, "Offload.StartupProbe"), measure);

            var label = workers == 1 ? "1 worker" : $"{workers} workers";
            foreach (var (name, result) in new[] { ("framework-dependent, build output", build), ("framework-dependent, published with ReadyToRun", r2r), ("NativeAOT", aot) })
            {
                var pool = LatencySummary.Median(result.PoolReadyMs);
                var plain = LatencySummary.Median(result.PlainChildrenReadyMs);
                table.Add("appkinds", $"{name}: pool of {label} ready", pool, "ms", 1, $"median of {result.PoolReadyMs.Length}; plain children of the same app: {plain:F1} ms ({pool / plain:F2}×); first calls after: {LatencySummary.Median(result.FirstCallsMs):F1} ms");
                if (result.WorkerRssKiB is { } rss)
                {
                    table.Add("appkinds", $"{name}: idle worker RSS", rss, "KiB", 0, $"PSS {result.WorkerPssKiB:N0} KiB; plain child of the same app: RSS {result.PlainChildRssKiB:N0}, PSS {result.PlainChildPssKiB:N0} KiB");
                }
            }

            findings.ReadyToRunPoolReadyMs = LatencySummary.Median(r2r.PoolReadyMs);
            findings.NativeAotPoolReadyMs = LatencySummary.Median(aot.PoolReadyMs);
            findings.NativeAotWorkerRssKiB = aot.WorkerRssKiB;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static string Configuration =>
        typeof(AppKinds).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "Release";

    private static async Task PublishAsync(string project, string output, string[] arguments)
    {
        var (exitCode, text) = await RunProcessAsync(DotnetHost.Find(), ["publish", project, "-c", "Release", "-o", output, .. arguments], PublishTimeout, build: true);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"Publishing the start-up probe ({string.Join(' ', arguments)}) failed:\n{Tail(text)}");
        }
    }

    private static async Task<ProbeResult> RunAsync(string program, string[] arguments)
    {
        var (exitCode, text) = await RunProcessAsync(program, arguments, RunTimeout, build: false);
        var json = text.Split('\n').LastOrDefault(line => line.StartsWith('{'));
        if (exitCode != 0 || json is null)
        {
            throw new InvalidOperationException($"The start-up probe ({program}) failed (exit {exitCode}):\n{Tail(text)}");
        }

        return JsonSerializer.Deserialize<ProbeResult>(json) ?? throw new InvalidOperationException("The start-up probe printed null.");
    }

    private static async Task<(int ExitCode, string Output)> RunProcessAsync(string program, string[] arguments, TimeSpan timeout, bool build)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (build)
        {
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            info.Environment["DOTNET_NOLOGO"] = "1";
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout.TotalMinutes:0} min.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(40));

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Offload.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Offload.sln above {AppContext.BaseDirectory}: the app-kinds section needs the repository (it publishes bench/Offload.StartupProbe).");
    }
}
