namespace Offload.Benchmarks;

/// <summary>
/// What one run of the start-up probe found (times in ms, memory in KiB): printed as JSON by
/// bench/Offload.StartupProbe and read back by the benchmark's app-kinds section, which compiles this same file.
/// </summary>
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
