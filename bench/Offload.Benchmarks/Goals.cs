namespace Offload.Benchmarks;

/// <summary>
/// The goals, each a ratio of an Offload number to a baseline measured in the same run. A goal whose numbers
/// were not measured (section not run, python3 missing) reads "n/a" with the reason.
/// </summary>
internal static class Goals
{
    /// <summary>The absolute target for an idle NativeAOT worker: 17 MiB, about an idle Python spawn worker.</summary>
    private const double NativeAotRssTargetKiB = 17 * 1024;

    /// <summary>Issue 12's absolute limit on what the parent allocates per concurrent trivial call, in bytes.</summary>
    private const double ParentBytesPerCallLimit = 200;

    /// <summary>Issue 12's absolute limit on the parent's CPU time per concurrent trivial call, in µs.</summary>
    private const double ParentCpuMicrosecondsPerCallLimit = 2;

    public static IReadOnlyList<GoalRow> Evaluate(Findings f)
    {
        var python = f.Python;
        var noPython = f.PythonMissing is { } why ? $"n/a ({why})" : "n/a (python section not run)";
        var workers = Environment.ProcessorCount;
        var calls = f.CallRateLabel ?? "concurrent trivial calls";
        return
        [
            AtMost("1a", "roundtrip", "Trivial call round trip p50, 1 worker, vs raw UDS ping-pong p50 (blocking) (issue 12: ≤ 2×)", f.RoundTrip?.P50, f.RawPingPongBlocking?.P50, "raw UDS ping-pong", "µs", 1.5),
            Lower("1b", "roundtrip", "Trivial call round trip p50 vs Python apply_async().get() p50", f.RoundTrip?.P50, python?.LatencyP50, "Python apply_async().get()", "µs", 5, noPython),
            AtLeast("2a", "throughput", $"{calls} vs Python apply_async rate", f.CallRate, python?.ApplyAsyncRate, "Python apply_async", "calls/s", 20, noPython),
            AtLeast("2b", "throughput", $"{calls} vs raw pipelined UDS messages, the child answering each with its own write", f.CallRate, f.RawPipelinedRate, "raw UDS pipelined 16 B, one write per answer", "calls/s", 1.0),
            AtMostLimit("2c", "throughput", $"Parent allocation per call, {calls}", f.BytesPerCall, ParentBytesPerCallLimit, "B/call"),
            AtMostLimit("2d", "throughput", $"Parent CPU per call (this process's threads), {calls}", f.ParentCpuMicrosecondsPerCall, ParentCpuMicrosecondsPerCallLimit, "µs/call"),
            AtLeast("3", "bulk", "Map of trivial items vs Python starmap(chunksize=1000)", f.MapRate, python?.StarmapRate, "Python starmap", "items/s", 2, noPython),
            AtLeast("4a", "payload", "byte[] echo 1 MiB vs raw UDS echo", f.Echo1MiB, f.RawEcho1MiB, "raw UDS echo", "MiB/s", 1.0),
            AtLeast("4b", "payload", "byte[] echo 16 MiB vs raw UDS echo", f.Echo16MiB, f.RawEcho16MiB, "raw UDS echo", "MiB/s", 1.0),
            AtLeast("4c", "payload", "float[] echo 16 MiB (4M floats) vs raw UDS echo of 16 MiB", f.EchoFloats16MiB, f.RawEcho16MiB, "raw UDS echo", "MiB/s", 1.0),
            AtLeast("4d", "payload", "double[] echo 16 MiB (2M doubles) vs raw UDS echo of 16 MiB", f.EchoDoubles16MiB, f.RawEcho16MiB, "raw UDS echo", "MiB/s", 1.0),
            AtMost("5a", "cpu", $"CPU batch of uniform ~20 ms tasks, {workers} workers, vs Parallel.For (same degree)", f.CpuPoolMs, f.CpuParallelForMs, "Parallel.For", "ms", 1.05),
            AtMost("5b", "cpu", $"Skewed batch (1 in {CpuBatches.SkewEvery} is {CpuBatches.SkewFactor}× longer), {workers} workers, vs best possible makespan", f.SkewPoolMs, f.SkewBestMs, "max(total/N, longest)", "ms", 1.10),
            AtMost("6a", "startup", $"Pool of {workers} ready vs {workers} plain dotnet children connected back", f.PoolReadyMs, f.PlainChildrenReadyMs, "plain children", "ms", 1.3),
            Report("6b", "startup", "First call on a cold WorkerPool.Shared, fresh process (report)", f.ColdSharedFirstCallMs, "ms"),
            AtMost("6c", "appkinds", $"Pool of {workers} ready, NativeAOT app vs the same app framework-dependent (ReadyToRun)", f.NativeAotPoolReadyMs, f.ReadyToRunPoolReadyMs, "framework-dependent", "ms", 0.35),
            AtMost("7a", "memory", "Idle worker RSS vs idle plain dotnet child", f.WorkerIdle?.RssKiB, f.PlainChildIdle?.RssKiB, "plain child", "KiB", 1.1),
            AtMost("7b", "memory", "Idle worker PSS vs idle plain dotnet child", f.WorkerIdle?.PssKiB, f.PlainChildIdle?.PssKiB, "plain child", "KiB", 1.1),
            AtMost("7c", "appkinds", "Idle NativeAOT worker RSS vs 17 MiB (an idle Python spawn worker's)", f.NativeAotWorkerRssKiB, NativeAotRssTargetKiB, "17 MiB", "KiB", 1.0),
        ];
    }

    /// <summary>Offload ÷ baseline ≤ limit (times, latencies, memory).</summary>
    private static GoalRow AtMost(string id, string section, string metric, double? offload, double? baseline, string baselineName, string unit, double limit, string? baselineMissing = null, string? offloadMissing = null) =>
        Row(id, section, metric, offload, baseline, baselineName, unit, offload / baseline, "Offload ÷ baseline", $"≤ {limit:0.0#}×", r => r <= limit, baselineMissing, offloadMissing);

    /// <summary>Offload ÷ baseline ≥ limit (rates).</summary>
    private static GoalRow AtLeast(string id, string section, string metric, double? offload, double? baseline, string baselineName, string unit, double limit, string? baselineMissing = null, string? offloadMissing = null) =>
        Row(id, section, metric, offload, baseline, baselineName, unit, offload / baseline, "Offload ÷ baseline", $"≥ {limit:0.0#}×", r => r >= limit, baselineMissing, offloadMissing);

    /// <summary>
    /// Offload ≤ an absolute limit of the issue (no baseline to measure): the limit stands in the baseline column, and
    /// the ratio Offload ÷ limit must be at most 1.
    /// </summary>
    private static GoalRow AtMostLimit(string id, string section, string metric, double? offload, double limit, string unit) =>
        Row(id, section, metric, offload, limit, "issue 12's limit", unit, offload / limit, "Offload ÷ limit", $"≤ {limit:0.##} {unit}", r => r <= 1, null, null);

    /// <summary>Baseline ÷ Offload ≥ limit: Offload's time is at least <paramref name="limit"/> times lower.</summary>
    private static GoalRow Lower(string id, string section, string metric, double? offload, double? baseline, string baselineName, string unit, double limit, string? baselineMissing = null, string? offloadMissing = null) =>
        Row(id, section, metric, offload, baseline, baselineName, unit, baseline / offload, "baseline ÷ Offload", $"≥ {limit:0.0#}× lower", r => r >= limit, baselineMissing, offloadMissing);

    private static GoalRow Report(string id, string section, string metric, double? offload, string unit) =>
        new(id, section, metric, offload, null, "—", unit, null, "—", "report", offload is null ? $"n/a ({section} section not run)" : "info");

    private static GoalRow Row(string id, string section, string metric, double? offload, double? baseline, string baselineName, string unit, double? ratio, string definition, string goal, Func<double, bool> passes, string? baselineMissing, string? offloadMissing)
    {
        string result;
        if (offload is null)
        {
            result = offloadMissing ?? $"n/a ({section} section not run)";
        }
        else if (baseline is null)
        {
            result = baselineMissing ?? "n/a (baseline not measured)";
        }
        else
        {
            result = ratio is { } r && double.IsFinite(r) ? (passes(r) ? "pass" : "fail") : "n/a";
        }

        return new GoalRow(id, section, metric, offload, baseline, baselineName, unit, ratio is { } value && double.IsFinite(value) ? value : null, definition, goal, result);
    }
}
