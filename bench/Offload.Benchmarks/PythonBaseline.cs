using System.Diagnostics;
using System.Text.Json;

namespace Offload.Benchmarks;

/// <summary>What bench/python/pool_baseline.py measured with Python's multiprocessing.Pool.</summary>
internal sealed record PythonResults(
    string Version,
    string StartMethod,
    int Workers,
    double LatencyP50,
    double LatencyP90,
    double LatencyP99,
    int RateCalls,
    double ApplyAsyncRate,
    int MapItems,
    double StarmapRate,
    double Echo1MiB,
    double Echo16MiB,
    double CpuEfficiency,
    double CpuT1Ms,
    double CpuTwMs,
    double SpawnReadyMs,
    double ForkReadyMs,
    ProcessMemory? SpawnIdle,
    ProcessMemory? ForkIdle,
    double ElapsedSeconds);

/// <summary>
/// Runs the Python baseline (bench/python/pool_baseline.py) with python3, when python3 and the script are found, and
/// adds its numbers to the table. Python missing or failing never fails the benchmark: its rows read "n/a".
/// </summary>
internal static class PythonBaseline
{
    public static async Task RunAsync(BenchmarkSettings settings, int workers, ResultTable table, Findings findings)
    {
        var script = FindScript();
        if (script is null)
        {
            Missing("pool_baseline.py not found");
            return;
        }

        var info = new ProcessStartInfo("python3")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add("--workers");
        info.ArgumentList.Add(workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var argument in settings.PythonArguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process? process;
        try
        {
            process = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Missing($"python3 not found ({ex.Message})");
            return;
        }

        if (process is null)
        {
            Missing("python3 could not be started");
            return;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(settings.SectionTimeout - TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                Missing("python3 did not finish in time");
                return;
            }

            if (process.ExitCode != 0)
            {
                var tail = (await stderr).Trim().Split('\n').LastOrDefault() ?? "";
                Missing($"python3 exited with code {process.ExitCode}: {tail}");
                return;
            }

            try
            {
                findings.Python = Parse(await stdout);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                Missing($"unreadable output from the Python script ({ex.Message})");
                return;
            }
        }

        var p = findings.Python;
        var who = $"Python {p.Version}, multiprocessing.Pool({p.Workers}), start method {p.StartMethod}";
        table.Add("python", "Python apply_async().get() round trip, 1 outstanding, p50", p.LatencyP50, "µs", 1, $"{who}; p90 {p.LatencyP90:F1}, p99 {p.LatencyP99:F1} µs");
        table.Add("python", $"Python apply_async rate, {p.RateCalls:N0} calls issued then collected", p.ApplyAsyncRate, "calls/s", 0, who);
        table.Add("python", $"Python starmap(chunksize=1000), {p.MapItems:N0} items", p.StarmapRate, "items/s", 0, who);
        table.Add("python", "Python echo of 1 MiB bytes (pool.apply)", p.Echo1MiB, "MiB/s", 0, who);
        table.Add("python", "Python echo of 16 MiB bytes (pool.apply)", p.Echo16MiB, "MiB/s", 0, who);
        table.Add("python", $"Python CPU efficiency, {settings.CpuTasks} tasks spinning {settings.CpuTaskMilliseconds} ms", p.CpuEfficiency * 100, "%", 0, $"T1 / (W × TW): T1 {p.CpuT1Ms:F0} ms sequential, TW {p.CpuTwMs:F0} ms on the pool (pool.map, chunksize=1)");
        table.Add("python", $"Python pool of {p.Workers} ready, spawn", p.SpawnReadyMs, "ms", 1, "Pool() until every worker ran its initializer, median");
        table.Add("python", $"Python pool of {p.Workers} ready, fork", p.ForkReadyMs, "ms", 1, "the same with fork");
        if (p.SpawnIdle is { } spawn)
        {
            table.Add("python", "Python idle worker RSS / PSS, spawn", spawn.RssKiB, "KiB", 0, $"PSS {spawn.PssKiB:N0} KiB; smaps_rollup after a call and a pause");
        }

        if (p.ForkIdle is { } fork)
        {
            table.Add("python", "Python idle worker RSS / PSS, fork", fork.RssKiB, "KiB", 0, $"PSS {fork.PssKiB:N0} KiB; pages shared with the parent count in RSS");
        }

        table.Add("python", "Python script wall time", p.ElapsedSeconds, "s", 1);

        void Missing(string why)
        {
            findings.PythonMissing = why;
            Console.WriteLine($"  Python baseline: n/a ({why})");
        }
    }

    private static PythonResults Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var latency = root.GetProperty("latency_us");
        var cpu = root.GetProperty("cpu");
        var startup = root.GetProperty("startup");
        var memory = root.GetProperty("idle_memory");
        return new PythonResults(
            root.GetProperty("python").GetString() ?? "?",
            root.GetProperty("start_method").GetString() ?? "?",
            root.GetProperty("workers").GetInt32(),
            latency.GetProperty("p50").GetDouble(),
            latency.GetProperty("p90").GetDouble(),
            latency.GetProperty("p99").GetDouble(),
            root.GetProperty("apply_async_rate").GetProperty("calls").GetInt32(),
            root.GetProperty("apply_async_rate").GetProperty("per_s").GetDouble(),
            root.GetProperty("starmap").GetProperty("items").GetInt32(),
            root.GetProperty("starmap").GetProperty("per_s").GetDouble(),
            root.GetProperty("echo").GetProperty("1mib").GetProperty("mib_per_s").GetDouble(),
            root.GetProperty("echo").GetProperty("16mib").GetProperty("mib_per_s").GetDouble(),
            cpu.GetProperty("efficiency").GetDouble(),
            cpu.GetProperty("t1_ms").GetDouble(),
            cpu.GetProperty("tw_ms").GetDouble(),
            startup.GetProperty("spawn").GetProperty("ready_ms").GetDouble(),
            startup.GetProperty("fork").GetProperty("ready_ms").GetDouble(),
            Memory(memory.GetProperty("spawn")),
            Memory(memory.GetProperty("fork")),
            root.GetProperty("elapsed_s").GetDouble());

        static ProcessMemory? Memory(JsonElement element) =>
            element.ValueKind == JsonValueKind.Object
                ? new ProcessMemory(element.GetProperty("rss_kib").GetDouble(), element.GetProperty("pss_kib").GetDouble())
                : null;
    }

    /// <summary>python/pool_baseline.py in the build output, else bench/python/pool_baseline.py in the repository around it.</summary>
    private static string? FindScript()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "python", "pool_baseline.py");
        if (File.Exists(copied))
        {
            return copied;
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "bench", "python", "pool_baseline.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
