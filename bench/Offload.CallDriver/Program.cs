using System.Diagnostics;
using Offload;
using Offload.CallDriver;

// A small driver for profiling the per-call path (dotnet-trace, dotnet-counters): one phase at a time, for as long
// as a trace needs, and the numbers the benchmark reports for it.
//   throughput <calls> <rounds>   concurrent Echo calls started at once, then Task.WhenAll (as goal 2a)
//   roundtrip <calls> <rounds>    one call outstanding (as goal 1a)
//   add "alloc" as a fourth argument to print allocation by type over the measured rounds (the rounds run slower)
var mode = args.Length > 0 ? args[0] : "throughput";
var calls = args.Length > 1 ? int.Parse(args[1]) : 200_000;
var rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
var workers = mode == "roundtrip" ? 1 : Environment.ProcessorCount;
using var sampler = args.Length > 3 && args[3] == "alloc" ? new AllocationSampler() : null;

await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = workers, Prefetch = 64 });
await pool.StartAsync();
var tasks = new Task<int>[calls];
for (var round = 0; round <= rounds; round++)
{
    GC.Collect();
    sampler?.Recording = round > 0;
    var cpuBefore = Environment.CpuUsage.TotalTime;
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var start = Stopwatch.GetTimestamp();
    var samples = new long[mode == "roundtrip" ? calls : 0];
    if (mode == "roundtrip")
    {
        for (var i = 0; i < calls; i++)
        {
            var t = Stopwatch.GetTimestamp();
            if (await Echo.ValueAsync(pool, i) != i)
            {
                throw new InvalidOperationException("wrong echo");
            }

            samples[i] = Stopwatch.GetTimestamp() - t;
        }
    }
    else
    {
        for (var i = 0; i < calls; i++)
        {
            tasks[i] = Echo.ValueAsync(pool, i);
        }

        await Task.WhenAll(tasks);
    }

    var elapsed = Stopwatch.GetElapsedTime(start);
    var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    Array.Sort(samples);
    var p50 = samples.Length > 0 ? samples[samples.Length / 2] * 1e6 / Stopwatch.Frequency : 0;
    Console.WriteLine($"{(round == 0 ? "warm-up " : "")}{mode}: {calls / elapsed.TotalSeconds:N0} calls/s, CPU {cpu.TotalMicroseconds / calls:F2} µs/call, {(double)allocated / calls:F0} B/call{(samples.Length > 0 ? $", p50 {p50:F1} µs" : "")}");
}

if (sampler is not null)
{
    Console.WriteLine("Allocated bytes by type (share of the runtime's allocation ticks over the measured rounds):");
    foreach (var (type, share) in sampler.Shares().Take(15))
    {
        Console.WriteLine($"  {share,7:P1}  {type}");
    }
}
