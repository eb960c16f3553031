using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Offload;
using Offload.Benchmarks;
using Offload.StartupProbe;

// --measure <workers> <repetitions> <settle-ms>: times pools of <workers> from `new` until StartAsync completes, and
// (alternating) as many plain children of this same app that connect back; after the last repetition, reads the idle
// RSS and PSS of both. Prints one JSON object (ProbeResult). --plain-child <socket>: the plain child itself.
switch (args)
{
    case [PlainChildren.ChildOption, var socketPath]:
        return PlainChildren.RunChild(socketPath);
    case ["--measure", var workersText, var repetitionsText, var settleText]:
        var result = await MeasureAsync(
            int.Parse(workersText, CultureInfo.InvariantCulture),
            int.Parse(repetitionsText, CultureInfo.InvariantCulture),
            TimeSpan.FromMilliseconds(int.Parse(settleText, CultureInfo.InvariantCulture)));
        Console.WriteLine(JsonSerializer.Serialize(result, ProbeJson.Default.ProbeResult));
        return 0;
    default:
        Console.Error.WriteLine($"usage: --measure <workers> <repetitions> <settle-ms> | {PlainChildren.ChildOption} <socket>");
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

    await using (await PlainChildren.StartAsync(1, PlainChildStartInfo))
    {
    }

    List<double> poolReady = [], plainReady = [], firstCalls = [];
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
        firstCalls.Add(clock.Elapsed.TotalMilliseconds);
        if (last)
        {
            await Task.Delay(settle);
            worker = ProcessMemory.Median(pool.Workers.Select(w => w.ProcessId));
        }

        await pool.DisposeAsync();

        await using var children = await PlainChildren.StartAsync(workers, PlainChildStartInfo);
        plainReady.Add(children.ReadyTime.TotalMilliseconds);
        if (last)
        {
            await children.PingAllAsync();
            await Task.Delay(settle);
            plain = ProcessMemory.Median(children.ProcessIds);
        }
    }

    return new ProbeResult(
        Environment.ProcessPath ?? "",
        System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? "jit" : "nativeaot",
        [.. poolReady],
        [.. plainReady],
        [.. firstCalls],
        worker?.RssKiB,
        worker?.PssKiB,
        plain?.RssKiB,
        plain?.PssKiB);
}

// This same app again, as the pool starts a worker: its own executable, or dotnet exec of it under the dotnet host;
// with the GC settings a worker gets.
static ProcessStartInfo PlainChildStartInfo(string socketPath)
{
    var processPath = Environment.ProcessPath!;
    var info = new ProcessStartInfo(processPath) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
    {
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Offload.StartupProbe.dll"));
    }

    info.ArgumentList.Add(PlainChildren.ChildOption);
    info.ArgumentList.Add(socketPath);
    info.Environment["DOTNET_gcServer"] = "0";
    info.Environment["DOTNET_gcConcurrent"] = "0";
    return info;
}
