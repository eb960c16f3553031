using System.Diagnostics;
using System.Globalization;

namespace Offload.Benchmarks;

/// <summary>
/// The pool measurements: start-up, single-call round trip, throughput of many concurrent calls, and the speedup of
/// CPU-bound work. Each adds its rows to the table; every pool is created here and disposed before the next section.
/// </summary>
internal sealed class Measurements(BenchmarkSettings settings, ResultTable table)
{
    private static readonly int ProcessorCount = Environment.ProcessorCount;

    private WorkerPool? _current;

    /// <summary>Worker counts measured where the count matters: all processors, then one.</summary>
    private static int[] WorkerCounts => ProcessorCount == 1 ? [1] : [ProcessorCount, 1];

    /// <summary>The workers of the pool in use, for the report when a section hangs.</summary>
    public string DescribeCurrentPool()
    {
        if (_current is not { } pool)
        {
            return "no pool in use";
        }

        var workers = pool.Workers;
        return $"pool of {pool.WorkerCount}, {workers.Count} ready: " + string.Join(
            "; ",
            workers.Select(w => $"worker {w.Id} (pid {w.ProcessId}): {w.CallsCompleted} done, {w.CallsInFlight} in flight"));
    }

    /// <summary>Start-up of a pool until all workers are ready, its first call, its shutdown; and a first call with no StartAsync.</summary>
    public async Task StartupAsync()
    {
        // The parent's own side (pool, launcher, channels) is JIT-compiled once per process: keep that out of the medians.
        await using (var warm = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 })))
        {
            await warm.StartAsync();
            Expect(await Workloads.EchoAsync(warm, 1), 1);
        }

        var repetitions = settings.StartupRepetitions;
        foreach (var count in WorkerCounts)
        {
            List<double> start = [], first = [], dispose = [];
            for (var r = 0; r < repetitions; r++)
            {
                var clock = Stopwatch.StartNew();
                var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = count }));
                await pool.StartAsync();
                start.Add(clock.Elapsed.TotalMilliseconds);
                if (pool.Workers.Count != count)
                {
                    throw new InvalidOperationException($"StartAsync completed with {pool.Workers.Count} of {count} workers ready.");
                }

                clock.Restart();
                Expect(await Workloads.EchoAsync(pool, r), r);
                first.Add(clock.Elapsed.TotalMilliseconds);

                clock.Restart();
                await pool.DisposeAsync();
                dispose.Add(clock.Elapsed.TotalMilliseconds);
            }

            var workers = Workers(count);
            table.Add("startup", $"Pool start-up, {workers} (new + StartAsync until all ready)", LatencySummary.Median(start), "ms", 1, Spread(start));
            table.Add("startup", $"First call after StartAsync, {workers}", LatencySummary.Median(first), "ms", 2, $"{Spread(first)}; worker loads the assembly and JITs the call path");
            table.Add("startup", $"Pool DisposeAsync, {workers}", LatencySummary.Median(dispose), "ms", 1, $"{Spread(dispose)}; until every worker exited");
        }

        List<double> cold = [];
        for (var r = 0; r < repetitions; r++)
        {
            var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = ProcessorCount }));
            var clock = Stopwatch.StartNew();
            Expect(await Workloads.EchoAsync(pool, r), r);
            cold.Add(clock.Elapsed.TotalMilliseconds);
            await pool.DisposeAsync();
        }

        table.Add("startup", $"First call on a cold pool, {Workers(ProcessorCount)} (no StartAsync)", LatencySummary.Median(cold), "ms", 1, $"{Spread(cold)}; includes starting the workers");
    }

    /// <summary>One call outstanding at a time: Echo(int) awaited in a loop.</summary>
    public async Task<LatencySummary> RoundTripAsync(int workerCount)
    {
        await using var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = workerCount }));
        await pool.StartAsync();
        for (var i = 0; i < settings.RoundTripWarmupCalls; i++)
        {
            Expect(await Workloads.EchoAsync(pool, i), i);
        }

        var samples = new long[settings.RoundTripCalls];
        var cpu = new CpuMeter();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        cpu.Start();
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await Workloads.EchoAsync(pool, i);
            samples[i] = Stopwatch.GetTimestamp() - start;
            Expect(result, i);
        }

        cpu.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var s = LatencySummary.FromStopwatchTicks(samples);
        var label = $"Round trip Echo(int), 1 outstanding, {Workers(workerCount)}";
        var calls = $"{samples.Length:N0} calls after {settings.RoundTripWarmupCalls:N0} warm-up";
        table.Add("roundtrip", $"{label}, p50", s.P50, "µs", 1, $"{calls}; min {s.Min:F1}, mean {s.Mean:F1}, max {s.Max:F0} µs");
        table.Add("roundtrip", $"{label}, p90", s.P90, "µs", 1);
        table.Add("roundtrip", $"{label}, p99", s.P99, "µs", 1);
        table.Add("roundtrip", $"Parent allocation per call, 1 outstanding, {Workers(workerCount)}", (double)allocated / samples.Length, "B/call", 0, $"GC.GetTotalAllocatedBytes(precise) over the timed loop; parent {cpu.Describe(samples.Length)}");
        return s;
    }

    /// <summary>Many trivial calls started at once, then awaited together: calls/s and parent allocation per call.</summary>
    public async Task ThroughputAsync(int prefetch)
    {
        var calls = settings.ThroughputCalls;
        await using var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = ProcessorCount, Prefetch = prefetch }));
        await pool.StartAsync();
        var warmup = new Task<int>[settings.ThroughputWarmupCalls];
        for (var i = 0; i < warmup.Length; i++)
        {
            warmup[i] = Workloads.EchoAsync(pool, i);
        }

        await Task.WhenAll(warmup);
        var completedBefore = pool.Workers.ToDictionary(w => w.Id, w => w.CallsCompleted);

        var tasks = new Task<int>[calls];
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var cpu = new CpuMeter();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        cpu.Start();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            tasks[i] = Workloads.EchoAsync(pool, i);
        }

        var submitted = Stopwatch.GetTimestamp();
        await Task.WhenAll(tasks);
        var end = Stopwatch.GetTimestamp();
        cpu.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        gen0 = GC.CollectionCount(0) - gen0;
        gen1 = GC.CollectionCount(1) - gen1;
        gen2 = GC.CollectionCount(2) - gen2;

        for (var i = 0; i < calls; i++)
        {
            Expect(tasks[i].Result, i);
        }

        var total = Stopwatch.GetElapsedTime(start, end);
        var submit = Stopwatch.GetElapsedTime(start, submitted);
        var split = string.Join("/", pool.Workers.Select(w => (w.CallsCompleted - completedBefore.GetValueOrDefault(w.Id)).ToString("N0", CultureInfo.InvariantCulture)));
        var label = $"{calls:N0} concurrent Echo(int), {Workers(ProcessorCount)}, Prefetch={prefetch}";
        table.Add(
            "throughput",
            $"Throughput, {label}",
            calls / total.TotalSeconds,
            "calls/s",
            0,
            $"total {total.TotalMilliseconds:F0} ms, of which {submit.TotalMilliseconds:F0} ms starting the calls; parent {cpu.Describe(calls)}; calls per worker {split}");
        table.Add(
            "throughput",
            $"Parent allocation per call, {label}",
            (double)allocated / calls,
            "B/call",
            0,
            $"GC.GetTotalAllocatedBytes(precise) over the batch, Task.WhenAll's result array included; GCs gen0/1/2: {gen0}/{gen1}/{gen2}");
    }

    /// <summary>CPU-bound tasks run one after another in this process, then through a pool of ProcessorCount workers.</summary>
    public async Task CpuSpeedupAsync()
    {
        var (length, measured) = CpuCalibration.Calibrate(settings.CpuTaskMilliseconds);
        var ranges = Enumerable.Range(0, settings.CpuTasks)
            .Select(i => (From: CpuCalibration.RangeStart + (i * length), To: CpuCalibration.RangeStart + ((i + 1) * length)))
            .ToArray();
        var taskLabel = $"{settings.CpuTasks} × CollatzSteps over {length:N0} numbers";
        table.Add("cpu", "CPU task size (calibrated, in-process, fastest of 3)", measured, "ms", 1, $"target {settings.CpuTaskMilliseconds} ms; {length:N0} numbers from {CpuCalibration.RangeStart:N0}, Collatz steps");

        await using var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = ProcessorCount }));
        await pool.StartAsync();

        // What a user's first batch meets: workers that are started but have never run the method.
        var coldClock = Stopwatch.StartNew();
        await Task.WhenAll(ranges.Select(range => Workloads.CollatzStepsAsync(pool, range.From, range.To)));
        var tCold = coldClock.Elapsed.TotalMilliseconds;

        // Warm every worker up (assembly load, tiered JIT) exactly as calibration warmed this process up.
        for (var round = 0; round < CpuCalibration.WarmupRounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, ProcessorCount * CpuCalibration.WarmupCallsPerRound)
                .Select(_ => Workloads.CollatzStepsAsync(pool, CpuCalibration.RangeStart, CpuCalibration.RangeStart + CpuCalibration.WarmupRangeLength)));
            await Task.Delay(CpuCalibration.WarmupPause);
        }

        List<double> sequential = [], threaded = [], pooled = [];
        var parentCpu = TimeSpan.Zero;
        for (var r = 0; r < settings.CpuRepetitions; r++)
        {
            var clock = Stopwatch.StartNew();
            var expected = new long[ranges.Length];
            for (var i = 0; i < ranges.Length; i++)
            {
                expected[i] = Workloads.CollatzSteps(ranges[i].From, ranges[i].To);
            }

            sequential.Add(clock.Elapsed.TotalMilliseconds);

            // The same batch on N threads of this process: what the machine allows right now, with no IPC at all.
            clock.Restart();
            var onThreads = new long[ranges.Length];
            Parallel.For(0, ranges.Length, new ParallelOptions { MaxDegreeOfParallelism = ProcessorCount }, i => onThreads[i] = Workloads.CollatzSteps(ranges[i].From, ranges[i].To));
            threaded.Add(clock.Elapsed.TotalMilliseconds);

            var cpu = new CpuMeter();
            cpu.Start();
            clock.Restart();
            var actual = await Task.WhenAll(ranges.Select(range => Workloads.CollatzStepsAsync(pool, range.From, range.To)));
            pooled.Add(clock.Elapsed.TotalMilliseconds);
            cpu.Stop();
            parentCpu += cpu.Cpu;
            for (var i = 0; i < ranges.Length; i++)
            {
                Expect(onThreads[i], expected[i]);
                Expect(actual[i], expected[i]);
            }
        }

        var tSequential = LatencySummary.Median(sequential);
        var tThreads = LatencySummary.Median(threaded);
        var tPool = LatencySummary.Median(pooled);
        var speedup = tSequential / tPool;
        table.Add("cpu", $"CPU batch, sequential in-process ({taskLabel})", tSequential, "ms", 0, Spread(sequential));
        table.Add("cpu", $"CPU batch, in-process Parallel.For on {ProcessorCount} threads (reference)", tThreads, "ms", 0, $"{Spread(threaded)}; speedup {tSequential / tThreads:F2}×: what this machine allowed at the time, with no IPC");
        table.Add("cpu", $"CPU batch, through the pool ({Workers(ProcessorCount)})", tPool, "ms", 0, $"{Spread(pooled)}; warmed-up workers; all tasks started, then Task.WhenAll; results checked against the sequential run; parent CPU meanwhile {parentCpu.TotalMilliseconds / settings.CpuRepetitions:F0} ms per batch");
        table.Add("cpu", $"CPU batch, first one on a freshly started pool ({Workers(ProcessorCount)})", tCold, "ms", 0, $"1 run, before the warm-up; speedup {tSequential / tCold:F2}×: workers run the method in first-tier/OSR code until tiered compilation promotes it");
        table.Add("cpu", $"CPU speedup, {Workers(ProcessorCount)}", speedup, "×", 2, "T_seq / T_pool, medians; the runs alternate sequential, threads, pool");
        table.Add("cpu", $"CPU parallel efficiency, {Workers(ProcessorCount)}", speedup / ProcessorCount * 100, "%", 0, $"T_seq / (N × T_pool), N = {ProcessorCount}");
    }

    private static string Workers(int count) => count == 1 ? "1 worker" : $"{count} workers";

    private static string Spread(List<double> values) =>
        values.Count == 1
            ? "1 run"
            : string.Create(CultureInfo.InvariantCulture, $"median of {values.Count}, min {values.Min():F1}, max {values.Max():F1}");

    private static void Expect<T>(T actual, T expected)
        where T : IEquatable<T>
    {
        if (!actual.Equals(expected))
        {
            throw new InvalidOperationException($"Wrong result from a worker: expected {expected}, got {actual}.");
        }
    }

    private WorkerPool Track(WorkerPool pool) => _current = pool;

    /// <summary>Names the pool a section outside this class is using, for the hang report (null when done).</summary>
    public void TrackExternal(WorkerPool? pool) => _current = pool;
}
