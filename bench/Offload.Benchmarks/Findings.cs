namespace Offload.Benchmarks;

/// <summary>
/// The numbers the goals compare, filled in by the sections that ran (a section not run leaves its numbers null, and
/// the goals that need them read "n/a"). Rates are per second, times in ms, latencies in µs, memory in KiB.
/// </summary>
internal sealed class Findings
{
    // Raw channel baselines (SocketBaseline, PlainChildren).
    public LatencySummary? RawPingPongBlocking { get; set; }

    public LatencySummary? RawPingPongAsync { get; set; }

    public double? RawPipelinedRate { get; set; }

    public double? RawEcho1MiB { get; set; }

    public double? RawEcho16MiB { get; set; }

    public double? PlainChildrenReadyMs { get; set; }

    public ProcessMemory? PlainChildIdle { get; set; }

    // Offload.
    public LatencySummary? RoundTrip { get; set; }

    public double? CallRate { get; set; }

    public string? CallRateLabel { get; set; }

    public double? BytesPerCall { get; set; }

    /// <summary>This process's CPU time (all its threads; the workers are other processes) per call of the goal run, in µs.</summary>
    public double? ParentCpuMicrosecondsPerCall { get; set; }

    /// <summary>Items/s of the generated map companion; null when it was not measured.</summary>
    public double? MapRate { get; set; }

    public double? Echo1MiB { get; set; }

    public double? Echo16MiB { get; set; }

    /// <summary>MiB/s of EchoFloats(float[]) of 16 MiB: a large array of an unmanaged type.</summary>
    public double? EchoFloats16MiB { get; set; }

    /// <summary>MiB/s of EchoDoubles(double[]) of 16 MiB.</summary>
    public double? EchoDoubles16MiB { get; set; }

    public double? CpuPoolMs { get; set; }

    public double? CpuParallelForMs { get; set; }

    public double? SkewPoolMs { get; set; }

    public double? SkewBestMs { get; set; }

    public double? PoolReadyMs { get; set; }

    public double? ColdSharedFirstCallMs { get; set; }

    public ProcessMemory? WorkerIdle { get; set; }

    // App kinds (AppKinds: the start-up probe, published).
    public double? ReadyToRunPoolReadyMs { get; set; }

    public double? NativeAotPoolReadyMs { get; set; }

    public double? NativeAotWorkerRssKiB { get; set; }

    /// <summary>Batch wall times per worker count, for the speedup plot.</summary>
    public List<ScalingPoint> Scaling { get; } = [];

    // Python's multiprocessing.Pool, when python3 ran.
    public PythonResults? Python { get; set; }

    /// <summary>Why there are no Python numbers (python3 missing or failed); null when they are there or were not asked for.</summary>
    public string? PythonMissing { get; set; }
}

/// <summary>One worker count of the scaling sweep: the same CPU batch sequentially, on the pool and with Parallel.For.</summary>
internal sealed record ScalingPoint(int Workers, double SequentialMs, double PoolMs, double ParallelForMs)
{
    public double PoolSpeedup => SequentialMs / PoolMs;

    public double ParallelForSpeedup => SequentialMs / ParallelForMs;
}
