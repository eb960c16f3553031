namespace Offload.Benchmarks;

/// <summary>
/// How much work each measurement does: <see cref="Full"/> for numbers to publish, <see cref="Quick"/> for a run
/// under two minutes on 2 cores, <see cref="Smoke"/> (tiny, seconds) only to prove that every section runs.
/// </summary>
internal sealed record BenchmarkSettings
{
    public required string Mode { get; init; }

    /// <summary>Pools (and sets of plain children) started per worker count when timing start-up.</summary>
    public required int StartupRepetitions { get; init; }

    public required int RoundTripWarmupCalls { get; init; }

    public required int RoundTripCalls { get; init; }

    public required int ThroughputWarmupCalls { get; init; }

    /// <summary>Concurrent trivial calls in the goal measurement (the issue asks for 1,000,000).</summary>
    public required int ThroughputCalls { get; init; }

    /// <summary>The pool's <see cref="WorkerPoolOptions.Prefetch"/> in the goal measurement.</summary>
    public required int ThroughputPrefetch { get; init; }

    /// <summary>Other Prefetch values, measured with <see cref="ThroughputSweepCalls"/> calls each (details only).</summary>
    public required int[] PrefetchSweep { get; init; }

    public required int ThroughputSweepCalls { get; init; }

    /// <summary>Items mapped in the bulk measurement (the issue asks for 1,000,000).</summary>
    public required int MapItems { get; init; }

    /// <summary>Echo calls per payload size: 1 MiB, 16 MiB.</summary>
    public required int Echo1MiBRepetitions { get; init; }

    public required int Echo16MiBRepetitions { get; init; }

    public required int CpuTasks { get; init; }

    public required double CpuTaskMilliseconds { get; init; }

    /// <summary>Runs of each CPU batch (pool and Parallel.For, alternating); the median of each is reported.</summary>
    public required int CpuRepetitions { get; init; }

    /// <summary>Runs per worker count in the scaling sweep.</summary>
    public required int ScalingRepetitions { get; init; }

    /// <summary>Largest worker count of the scaling sweep (it goes 1..min(this, ProcessorCount)).</summary>
    public int MaxScalingWorkers { get; init; } = 16;

    public required int SocketWarmupRoundTrips { get; init; }

    public required int SocketRoundTrips { get; init; }

    /// <summary>16-byte messages in the pipelined raw-socket measurement (10× as many with batched answers).</summary>
    public required int PipelinedMessages { get; init; }

    /// <summary>How long an idle worker (or plain child) is left alone before its memory is read.</summary>
    public required TimeSpan MemorySettle { get; init; }

    /// <summary>Calls per chaos run (one without retries, one with).</summary>
    public required int ChaosCalls { get; init; }

    /// <summary>CPU time each chaos call spins, so that kills land mid-call.</summary>
    public required int ChaosSpinMicroseconds { get; init; }

    /// <summary>Longest a single section may take before the run is declared hung.</summary>
    public required TimeSpan SectionTimeout { get; init; }

    /// <summary>The Python script's size arguments (its workers are added by the caller).</summary>
    public string[] PythonArguments =>
    [
        "--latency-calls", Math.Max(100, RoundTripCalls / 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--latency-warmup", Math.Max(50, RoundTripWarmupCalls / 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--rate-calls", PythonRateCalls.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--map-items", MapItems.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--echo-1mib-reps", Echo1MiBRepetitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--echo-16mib-reps", Echo16MiBRepetitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--cpu-tasks", CpuTasks.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--cpu-ms", CpuTaskMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--cpu-reps", CpuRepetitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--startup-reps", StartupRepetitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--memory-settle-ms", ((int)MemorySettle.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    /// <summary>apply_async calls in Python's rate measurement: it runs ~15k calls/s, so fewer than ours.</summary>
    public required int PythonRateCalls { get; init; }

    public static BenchmarkSettings Smoke { get; } = new()
    {
        Mode = "smoke",
        StartupRepetitions = 1,
        RoundTripWarmupCalls = 50,
        RoundTripCalls = 200,
        ThroughputWarmupCalls = 100,
        ThroughputCalls = 2_000,
        ThroughputPrefetch = 64,
        PrefetchSweep = [],
        ThroughputSweepCalls = 1_000,
        MapItems = 2_000,
        Echo1MiBRepetitions = 2,
        Echo16MiBRepetitions = 1,
        CpuTasks = 8,
        CpuTaskMilliseconds = 2,
        CpuRepetitions = 1,
        ScalingRepetitions = 1,
        MaxScalingWorkers = 2,
        SocketWarmupRoundTrips = 50,
        SocketRoundTrips = 200,
        PipelinedMessages = 5_000,
        MemorySettle = TimeSpan.FromMilliseconds(100),
        ChaosCalls = 500,
        ChaosSpinMicroseconds = 50,
        PythonRateCalls = 200,
        SectionTimeout = TimeSpan.FromSeconds(60), // generous: the smoke test may share 2 cores with the other test assemblies
    };

    public static BenchmarkSettings Quick { get; } = new()
    {
        Mode = "quick",
        StartupRepetitions = 3,
        RoundTripWarmupCalls = 1_000,
        RoundTripCalls = 5_000,
        ThroughputWarmupCalls = 2_000,
        ThroughputCalls = 200_000,
        ThroughputPrefetch = 64,
        PrefetchSweep = [1, 16],
        ThroughputSweepCalls = 20_000,
        MapItems = 200_000,
        Echo1MiBRepetitions = 20,
        Echo16MiBRepetitions = 3,
        CpuTasks = 64,
        CpuTaskMilliseconds = 20,
        CpuRepetitions = 2,
        ScalingRepetitions = 2,
        SocketWarmupRoundTrips = 1_000,
        SocketRoundTrips = 10_000,
        PipelinedMessages = 300_000,
        MemorySettle = TimeSpan.FromMilliseconds(500),
        ChaosCalls = 20_000,
        ChaosSpinMicroseconds = 50,
        PythonRateCalls = 20_000,
        SectionTimeout = TimeSpan.FromSeconds(60),
    };

    public static BenchmarkSettings Full { get; } = new()
    {
        Mode = "full",
        StartupRepetitions = 5,
        RoundTripWarmupCalls = 5_000,
        RoundTripCalls = 20_000,
        ThroughputWarmupCalls = 10_000,
        ThroughputCalls = 1_000_000,
        ThroughputPrefetch = 64,
        PrefetchSweep = [1, 16],
        ThroughputSweepCalls = 100_000,
        MapItems = 1_000_000,
        Echo1MiBRepetitions = 100,
        Echo16MiBRepetitions = 10,
        CpuTasks = 64,
        CpuTaskMilliseconds = 20,
        CpuRepetitions = 5,
        ScalingRepetitions = 3,
        SocketWarmupRoundTrips = 5_000,
        SocketRoundTrips = 50_000,
        PipelinedMessages = 2_000_000,
        MemorySettle = TimeSpan.FromSeconds(2),
        ChaosCalls = 100_000,
        ChaosSpinMicroseconds = 20,
        PythonRateCalls = 100_000,
        SectionTimeout = TimeSpan.FromMinutes(5),
    };
}
