namespace Offload.Benchmarks;

/// <summary>How much work each measurement does; <see cref="Quick"/> trades precision for a run under a minute.</summary>
internal sealed record BenchmarkSettings
{
    public required string Mode { get; init; }

    /// <summary>Pools started (and stopped) per worker count when timing start-up.</summary>
    public required int StartupRepetitions { get; init; }

    public required int RoundTripWarmupCalls { get; init; }

    public required int RoundTripCalls { get; init; }

    public required int ThroughputWarmupCalls { get; init; }

    public required int ThroughputCalls { get; init; }

    public required int[] PrefetchValues { get; init; }

    public required int CpuTasks { get; init; }

    public required double CpuTaskMilliseconds { get; init; }

    /// <summary>Sequential and pooled runs of the CPU batch; the median of each is reported.</summary>
    public required int CpuRepetitions { get; init; }

    public required int SocketWarmupRoundTrips { get; init; }

    public required int SocketRoundTrips { get; init; }

    /// <summary>Calls per chaos run (one without retries, one with).</summary>
    public required int ChaosCalls { get; init; }

    /// <summary>CPU time each chaos call spins, so that kills land mid-call.</summary>
    public required int ChaosSpinMicroseconds { get; init; }

    /// <summary>Longest a single section may take before the run is declared hung.</summary>
    public required TimeSpan SectionTimeout { get; init; }

    public static BenchmarkSettings Quick { get; } = new()
    {
        Mode = "quick",
        StartupRepetitions = 3,
        RoundTripWarmupCalls = 1_000,
        RoundTripCalls = 5_000,
        ThroughputWarmupCalls = 2_000,
        ThroughputCalls = 20_000,
        PrefetchValues = [1, 16, 64],
        CpuTasks = 16,
        CpuTaskMilliseconds = 20,
        CpuRepetitions = 3,
        SocketWarmupRoundTrips = 1_000,
        SocketRoundTrips = 10_000,
        ChaosCalls = 20_000,
        ChaosSpinMicroseconds = 50,
        SectionTimeout = TimeSpan.FromSeconds(60),
    };

    public static BenchmarkSettings Full { get; } = new()
    {
        Mode = "full",
        StartupRepetitions = 5,
        RoundTripWarmupCalls = 5_000,
        RoundTripCalls = 20_000,
        ThroughputWarmupCalls = 10_000,
        ThroughputCalls = 100_000,
        PrefetchValues = [1, 16, 64],
        CpuTasks = 32,
        CpuTaskMilliseconds = 20,
        CpuRepetitions = 5,
        SocketWarmupRoundTrips = 5_000,
        SocketRoundTrips = 50_000,
        ChaosCalls = 100_000,
        ChaosSpinMicroseconds = 20,
        SectionTimeout = TimeSpan.FromMinutes(5),
    };
}
