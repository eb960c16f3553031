using System.Diagnostics;
using System.Globalization;

namespace Offload.Benchmarks;

/// <summary>
/// The pool measurements: start-up, single-call round trip, throughput of many concurrent calls, payload echo, CPU
/// speedup (uniform and skewed tasks, and against the worker count) and idle memory. Each adds its rows to the table
/// and its numbers to <see cref="Findings"/>; every pool is created here and disposed before the next section.
/// </summary>
internal sealed class Measurements(BenchmarkSettings settings, ResultTable table, Findings findings)
{
    private static readonly int ProcessorCount = Environment.ProcessorCount;

    private WorkerPool? _current;
    private CpuBatches? _batches;

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

    /// <summary>
    /// Start-up of a pool until all workers are ready, against N plain children that connect back (alternating); its
    /// first call and shutdown; the first call on a pool that was never started; and the first call on
    /// <see cref="WorkerPool.Shared"/> in a fresh process.
    /// </summary>
    public async Task StartupAsync()
    {
        // The parent's own side (pool, launcher, channels, process start) is JIT-compiled once per process: keep that out of the medians.
        await using (var warm = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 })))
        {
            await warm.StartAsync();
            Expect(await Workloads.EchoAsync(warm, 1), 1);
        }

        await using (var warmChildren = await PlainChildren.StartAsync(1, ChildProcesses.PlainChild))
        {
        }

        var repetitions = settings.StartupRepetitions;
        foreach (var count in WorkerCounts)
        {
            List<double> start = [], first = [], dispose = [], plain = [];
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

                await using var children = await PlainChildren.StartAsync(count, ChildProcesses.PlainChild);
                plain.Add(children.ReadyTime.TotalMilliseconds);
            }

            var workers = Workers(count);
            table.Add("startup", $"Pool start-up, {workers} (new + StartAsync until all ready)", LatencySummary.Median(start), "ms", 1, Spread(start));
            table.Add("startup", $"{(count == 1 ? "1 plain dotnet child" : $"{count} plain dotnet children started in parallel")}, until all connected back", LatencySummary.Median(plain), "ms", 1, $"{Spread(plain)}; dotnet exec of this program, same GC settings and redirected streams as a worker; alternating with the pool");
            table.Add("startup", $"First call after StartAsync, {workers}", LatencySummary.Median(first), "ms", 2, $"{Spread(first)}; worker loads the assembly and JITs the call path");
            table.Add("startup", $"Pool DisposeAsync, {workers}", LatencySummary.Median(dispose), "ms", 1, $"{Spread(dispose)}; until every worker exited");
            if (count == ProcessorCount)
            {
                findings.PoolReadyMs = LatencySummary.Median(start);
                findings.PlainChildrenReadyMs = LatencySummary.Median(plain);
            }
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

        List<double> coldShared = [];
        for (var r = 0; r < repetitions; r++)
        {
            coldShared.Add(await ColdShared.MeasureInChildAsync());
        }

        findings.ColdSharedFirstCallMs = LatencySummary.Median(coldShared);
        table.Add("startup", $"First call on the cold WorkerPool.Shared ({Workers(ProcessorCount)}), in a fresh process", findings.ColdSharedFirstCallMs.Value, "ms", 1, $"{Spread(coldShared)}; a new process's first EchoAsync(1) with no pool passed: starts the shared pool, includes that process's JIT of Offload's call path");
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
        if (workerCount == 1)
        {
            findings.RoundTrip = s;
        }

        return s;
    }

    /// <summary>
    /// Many trivial calls started at once through the generated companion, then awaited together: calls/s and parent
    /// allocation per call. The goal measurement, then (details only) other Prefetch values.
    /// </summary>
    public async Task ThroughputAsync()
    {
        var (rate, bytesPerCall, cpuPerCall, label) = await ThroughputAsync(settings.ThroughputPrefetch, settings.ThroughputCalls);
        findings.CallRate = rate;
        findings.BytesPerCall = bytesPerCall;
        findings.ParentCpuMicrosecondsPerCall = cpuPerCall;
        findings.CallRateLabel = label;
        foreach (var prefetch in settings.PrefetchSweep)
        {
            await ThroughputAsync(prefetch, settings.ThroughputSweepCalls);
        }
    }

    private async Task<(double Rate, double BytesPerCall, double ParentCpuMicrosecondsPerCall, string Label)> ThroughputAsync(int prefetch, int calls)
    {
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
        var rate = calls / total.TotalSeconds;
        var bytesPerCall = (double)allocated / calls;

        // This process's CPU time (every thread of the parent; the workers are other processes) over the timed batch.
        var parentCpuMicrosecondsPerCall = cpu.Cpu.TotalMicroseconds / calls;
        table.Add(
            "throughput",
            $"Throughput, {label}",
            rate,
            "calls/s",
            0,
            $"total {total.TotalMilliseconds:F0} ms, of which {submit.TotalMilliseconds:F0} ms starting the calls; parent {cpu.Describe(calls)}; calls per worker {split}");
        table.Add(
            "throughput",
            $"Parent allocation per call, {label}",
            bytesPerCall,
            "B/call",
            0,
            $"GC.GetTotalAllocatedBytes(precise) over the batch, the caller's Task array excluded (allocated before), Task.WhenAll's included; GCs gen0/1/2: {gen0}/{gen1}/{gen2}");
        table.Add(
            "throughput",
            $"Parent CPU per call, {label}",
            parentCpuMicrosecondsPerCall,
            "µs/call",
            2,
            $"this process's CPU time (Environment.CpuUsage: user + system, all its threads) over the batch, divided by the calls; the workers' CPU is not counted");
        return (rate, bytesPerCall, parentCpuMicrosecondsPerCall, label);
    }

    /// <summary>
    /// EchoBytes of a 1 MiB and a 16 MiB array, then EchoFloats and EchoDoubles of 16 MiB, one call outstanding,
    /// 1 worker: MiB of payload per second.
    /// </summary>
    public async Task PayloadAsync()
    {
        await using var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxFrameBytes = 64 << 20 }));
        await pool.StartAsync();
        foreach (var (mib, repetitions) in new[] { (1, settings.Echo1MiBRepetitions), (16, settings.Echo16MiBRepetitions) })
        {
            var payload = new byte[mib << 20];
            Random.Shared.NextBytes(payload);
            if (!(await Workloads.EchoBytesAsync(pool, payload)).AsSpan().SequenceEqual(payload))
            {
                throw new InvalidOperationException("EchoBytes returned different bytes.");
            }

            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            for (var r = 0; r < repetitions; r++)
            {
                var echoed = await Workloads.EchoBytesAsync(pool, payload);
                if (echoed.Length != payload.Length)
                {
                    throw new InvalidOperationException("EchoBytes returned a different length.");
                }
            }

            var rate = mib * repetitions / clock.Elapsed.TotalSeconds;
            var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)repetitions / payload.Length;
            if (mib == 1)
            {
                findings.Echo1MiB = rate;
            }
            else
            {
                findings.Echo16MiB = rate;
            }

            table.Add("payload", $"EchoBytes(byte[]) of {mib} MiB, 1 outstanding, 1 worker", rate, "MiB/s", 0, $"{repetitions} calls after 1 warm-up (checked); MiB of payload per second of calls; parent allocated {allocated:F2}× the payload per call (the result array included)");
        }

        // Large arrays of unmanaged types, against the same raw 16 MiB echo as byte[].
        findings.EchoFloats16MiB = await ArrayEcho.MeasureAsync(table, "EchoFloats(float[])", ArrayEcho.Create(Random.Shared.NextSingle), p => Workloads.EchoFloatsAsync(pool, p), settings.Echo16MiBRepetitions);
        findings.EchoDoubles16MiB = await ArrayEcho.MeasureAsync(table, "EchoDoubles(double[])", ArrayEcho.Create(Random.Shared.NextDouble), p => Workloads.EchoDoublesAsync(pool, p), settings.Echo16MiBRepetitions);
    }

    /// <summary>
    /// CPU-bound batches on a pool of ProcessorCount workers against Parallel.For at the same degree: uniform tasks
    /// (~20 ms each), and skewed ones (every 8th task 10× longer) against the best possible makespan.
    /// </summary>
    public async Task CpuAsync()
    {
        var batches = Batches();
        var workers = ProcessorCount;
        var uniform = batches.Uniform;
        var skewed = batches.Skewed;
        table.Add("cpu", "CPU task size (calibrated in-process, fastest of 3)", batches.CalibratedMs, "ms", 1, $"target {settings.CpuTaskMilliseconds} ms; {batches.Length:N0} numbers per task, Collatz steps");

        await using var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = workers }));
        await pool.StartAsync();

        // What a user's first batch meets: workers that are started but have never run the method.
        var coldClock = Stopwatch.StartNew();
        await Task.WhenAll(uniform.Ranges.Select(range => Workloads.CollatzStepsAsync(pool, range.From, range.To)));
        var tCold = coldClock.Elapsed.TotalMilliseconds;
        await WarmUpAsync(pool);

        List<double> pooled = [], threaded = [], skewPooled = [], skewThreaded = [];
        var parentCpu = TimeSpan.Zero;
        for (var r = 0; r < settings.CpuRepetitions; r++)
        {
            threaded.Add(RunParallelFor(uniform, workers));
            var cpu = new CpuMeter();
            cpu.Start();
            pooled.Add(await RunOnPoolAsync(pool, uniform));
            cpu.Stop();
            parentCpu += cpu.Cpu;
            skewThreaded.Add(RunParallelFor(skewed, workers));
            skewPooled.Add(await RunOnPoolAsync(pool, skewed));
        }

        var tSequential = uniform.SequentialMs;
        var tThreads = LatencySummary.Median(threaded);
        var tPool = LatencySummary.Median(pooled);
        findings.CpuParallelForMs = tThreads;
        findings.CpuPoolMs = tPool;
        findings.Scaling.Add(new ScalingPoint(workers, tSequential, tPool, tThreads));
        var speedup = tSequential / tPool;
        var taskLabel = $"{uniform.Ranges.Length} × CollatzSteps over {batches.Length:N0} numbers";
        table.Add("cpu", $"CPU batch, sequential in-process ({taskLabel})", tSequential, "ms", 0, "sum of the tasks timed one by one, 1 run");
        table.Add("cpu", $"CPU batch, Parallel.For, degree {workers}", tThreads, "ms", 0, $"{Spread(threaded)}; speedup {tSequential / tThreads:F2}×: what this machine allowed at the time, with no IPC");
        table.Add("cpu", $"CPU batch, through the pool ({Workers(workers)})", tPool, "ms", 0, $"{Spread(pooled)}; warmed-up workers; all tasks started, then Task.WhenAll; results checked; parent CPU meanwhile {parentCpu.TotalMilliseconds / settings.CpuRepetitions:F0} ms per batch");
        table.Add("cpu", $"CPU batch, first one on a freshly started pool ({Workers(workers)})", tCold, "ms", 0, $"1 run, before the warm-up; speedup {tSequential / tCold:F2}×: workers run the method in first-tier/OSR code until tiered compilation promotes it");
        table.Add("cpu", $"CPU speedup, {Workers(workers)}", speedup, "×", 2, "T_seq / T_pool, medians; the runs alternate Parallel.For and pool");
        table.Add("cpu", $"CPU parallel efficiency, {Workers(workers)}", speedup / workers * 100, "%", 0, $"T_seq / (N × T_pool), N = {workers}");

        var best = Math.Max(skewed.SequentialMs / workers, skewed.LongestMs);
        findings.SkewPoolMs = LatencySummary.Median(skewPooled);
        findings.SkewBestMs = best;
        var skewLabel = $"{skewed.Ranges.Length} tasks, every 8th 10× longer";
        table.Add("cpu", $"Skewed batch ({skewLabel}), sum of in-process task times", skewed.SequentialMs, "ms", 0, $"longest task {skewed.LongestMs:F1} ms");
        table.Add("cpu", $"Skewed batch, best possible makespan on {workers}", best, "ms", 0, "max(total / N, longest task), from the in-process task times");
        table.Add("cpu", $"Skewed batch, Parallel.For, degree {workers}", LatencySummary.Median(skewThreaded), "ms", 0, Spread(skewThreaded));
        table.Add("cpu", $"Skewed batch, through the pool ({Workers(workers)})", findings.SkewPoolMs.Value, "ms", 0, $"{Spread(skewPooled)}; submitted in order, then Task.WhenAll");
    }

    /// <summary>The uniform CPU batch on pools of 1..min(ProcessorCount, 16) workers, and Parallel.For at the same degree.</summary>
    public async Task ScalingAsync()
    {
        var batches = Batches();
        var uniform = batches.Uniform;
        var maxWorkers = Math.Min(ProcessorCount, settings.MaxScalingWorkers);
        for (var workers = 1; workers <= maxWorkers; workers++)
        {
            if (findings.Scaling.Any(p => p.Workers == workers))
            {
                continue; // Measured by the cpu section already.
            }

            await using var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = workers }));
            await pool.StartAsync();
            await WarmUpAsync(pool);
            List<double> pooled = [], threaded = [];
            for (var r = 0; r < settings.ScalingRepetitions; r++)
            {
                threaded.Add(RunParallelFor(uniform, workers));
                pooled.Add(await RunOnPoolAsync(pool, uniform));
            }

            findings.Scaling.Add(new ScalingPoint(workers, uniform.SequentialMs, LatencySummary.Median(pooled), LatencySummary.Median(threaded)));
        }

        findings.Scaling.Sort((a, b) => a.Workers.CompareTo(b.Workers));
        foreach (var point in findings.Scaling.Where(p => p.Workers <= maxWorkers))
        {
            table.Add("scaling", $"CPU speedup, {Workers(point.Workers)}", point.PoolSpeedup, "×", 2, $"pool {point.PoolMs:F0} ms; Parallel.For degree {point.Workers}: {point.ParallelForMs:F0} ms ({point.ParallelForSpeedup:F2}×); sequential {point.SequentialMs:F0} ms");
        }
    }

    /// <summary>RSS and PSS of idle workers (after a call each and a pause) against plain children after the same.</summary>
    public async Task MemoryAsync()
    {
        if (ProcessMemory.TryRead(Environment.ProcessId) is null)
        {
            Console.WriteLine("  n/a: /proc/<pid>/smaps_rollup cannot be read here");
            return;
        }

        var count = ProcessorCount;
        ProcessMemory? worker;
        await using (var pool = Track(new WorkerPool(new WorkerPoolOptions { WorkerCount = count })))
        {
            await pool.StartAsync();
            await Task.WhenAll(Enumerable.Range(0, count * 4).Select(i => Workloads.EchoAsync(pool, i)));
            await Task.Delay(settings.MemorySettle);
            worker = ProcessMemory.Median(pool.Workers.Select(w => w.ProcessId));
        }

        ProcessMemory? plain;
        await using (var children = await PlainChildren.StartAsync(count, ChildProcesses.PlainChild))
        {
            await children.PingAllAsync();
            await Task.Delay(settings.MemorySettle);
            plain = ProcessMemory.Median(children.ProcessIds);
        }

        findings.WorkerIdle = worker;
        findings.PlainChildIdle = plain;
        var how = $"median of {count}, /proc/<pid>/smaps_rollup after one call each and {settings.MemorySettle.TotalMilliseconds:F0} ms idle";
        if (worker is { } w)
        {
            table.Add("memory", "Idle worker RSS", w.RssKiB, "KiB", 0, how);
            table.Add("memory", "Idle worker PSS", w.PssKiB, "KiB", 0, how);
        }

        if (plain is { } p)
        {
            table.Add("memory", "Idle plain dotnet child RSS", p.RssKiB, "KiB", 0, $"{how}; connected to a Unix socket, echoed one byte");
            table.Add("memory", "Idle plain dotnet child PSS", p.PssKiB, "KiB", 0, how);
        }
    }

    private CpuBatches Batches() => _batches ??= CpuBatches.Create(settings);

    private static async Task WarmUpAsync(WorkerPool pool)
    {
        // Warm every worker up (assembly load, tiered JIT) exactly as calibration warmed this process up.
        for (var round = 0; round < CpuCalibration.WarmupRounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, pool.WorkerCount * CpuCalibration.WarmupCallsPerRound)
                .Select(_ => Workloads.CollatzStepsAsync(pool, CpuCalibration.RangeStart, CpuCalibration.RangeStart + CpuCalibration.WarmupRangeLength)));
            await Task.Delay(CpuCalibration.WarmupPause);
        }
    }

    private static double RunParallelFor(CpuBatch batch, int degree)
    {
        var results = new long[batch.Ranges.Length];
        var clock = Stopwatch.StartNew();
        Parallel.For(0, batch.Ranges.Length, new ParallelOptions { MaxDegreeOfParallelism = degree }, i => results[i] = Workloads.CollatzSteps(batch.Ranges[i].From, batch.Ranges[i].To));
        var elapsed = clock.Elapsed.TotalMilliseconds;
        batch.Check(results);
        return elapsed;
    }

    private static async Task<double> RunOnPoolAsync(WorkerPool pool, CpuBatch batch)
    {
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(batch.Ranges.Select(range => Workloads.CollatzStepsAsync(pool, range.From, range.To)));
        var elapsed = clock.Elapsed.TotalMilliseconds;
        batch.Check(results);
        return elapsed;
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

    /// <summary>Tracks a pool created by a section outside this class, for the hang report.</summary>
    public WorkerPool TrackPool(WorkerPool pool) => Track(pool);
}
