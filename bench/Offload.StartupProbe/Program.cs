using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Offload;
using Offload.StartupProbe;

// --measure <workers> <repetitions> <settle-ms>: times pools of <workers> from `new` until StartAsync completes, and
// (alternating) as many plain children of this same app that connect back; after the last repetition, reads the idle
// RSS and PSS of both. Prints one JSON object. --plain-child <socket>: the plain child itself.
switch (args)
{
    case ["--plain-child", var socketPath]:
        return PlainChild.Run(socketPath);
    case ["--measure", var workersText, var repetitionsText, var settleText]:
        var workers = int.Parse(workersText, CultureInfo.InvariantCulture);
        var repetitions = int.Parse(repetitionsText, CultureInfo.InvariantCulture);
        var settle = TimeSpan.FromMilliseconds(int.Parse(settleText, CultureInfo.InvariantCulture));
        var result = await MeasureAsync(workers, repetitions, settle);
        Console.WriteLine(JsonSerializer.Serialize(result, ProbeJson.Default.ProbeResult));
        return 0;
    default:
        Console.Error.WriteLine("usage: --measure <workers> <repetitions> <settle-ms> | --plain-child <socket>");
        return 2;
}

static async Task<ProbeResult> MeasureAsync(int workers, int repetitions, TimeSpan settle)
{
    // This process's own side (pool, launcher, channels) is compiled once: keep it out of the timings.
    await using (var warm = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 }))
    {
        await warm.StartAsync();
        await ProbeWork.EchoAsync(warm, 1);
    }

    using (await PlainChild.StartAsync(1))
    {
    }

    List<double> poolReady = [], plainReady = [], firstCall = [];
    ProcessMemory? worker = null, plain = null;
    for (var r = 0; r < repetitions; r++)
    {
        var last = r == repetitions - 1;
        var clock = Stopwatch.StartNew();
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = workers });
        await pool.StartAsync();
        poolReady.Add(clock.Elapsed.TotalMilliseconds);
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, workers * 2).Select(i => ProbeWork.EchoAsync(pool, i)));
        firstCall.Add(clock.Elapsed.TotalMilliseconds);
        if (last)
        {
            await Task.Delay(settle);
            worker = ProcessMemory.Median(pool.Workers.Select(w => w.ProcessId));
        }

        await pool.DisposeAsync();

        using var children = await PlainChild.StartAsync(workers);
        plainReady.Add(children.ReadyTime.TotalMilliseconds);
        if (last)
        {
            children.PingAll();
            await Task.Delay(settle);
            plain = ProcessMemory.Median(children.ProcessIds);
        }
    }

    return new ProbeResult(
        Environment.ProcessPath ?? "",
        System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? "jit" : "nativeaot",
        poolReady.ToArray(),
        plainReady.ToArray(),
        firstCall.ToArray(),
        worker?.RssKiB,
        worker?.PssKiB,
        plain?.RssKiB,
        plain?.PssKiB);
}

/// <summary>What one --measure run found; times in ms, memory in KiB.</summary>
internal sealed record ProbeResult(
    string Executable,
    string Runtime,
    double[] PoolReadyMs,
    double[] PlainChildrenReadyMs,
    double[] FirstCallsMs,
    double? WorkerRssKiB,
    double? WorkerPssKiB,
    double? PlainChildRssKiB,
    double? PlainChildPssKiB);
