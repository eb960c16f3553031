using System.Diagnostics.Metrics;
using Offload.Parent;

namespace Offload.Telemetry;

/// <summary>
/// Offload's <see cref="Meter"/> and its instruments, one set for the process; every measurement is tagged with its
/// pool (<see cref="TelemetryNames.PoolName"/>). Counts that the pool keeps anyway (queue, workers, starts, crashes,
/// recycles) are observable instruments, read from every live pool only when a listener collects; what happens per call
/// or per write is recorded only while its instrument is <see cref="Instrument.Enabled"/>, so that without a listener
/// a call pays a flag test and nothing else.
/// </summary>
internal static class OffloadInstruments
{
    /// <summary>Bucket boundaries for call times, in seconds: from 10 µs (a trivial call) to minutes.</summary>
    private static readonly double[] SecondsBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    public static readonly Meter Meter = new(OffloadTelemetry.MeterName, OffloadTelemetry.Version);

    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram(
        "offload.call.duration",
        unit: "s",
        description: "Time from a call's submission until its caller's task completes, by method and outcome (a map chunk is one call).",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Histogram<double> QueueTime = Meter.CreateHistogram(
        "offload.call.queue_time",
        unit: "s",
        description: "Time a call waited in the pool's queue until a worker first took it.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Counter<long> IoBytes = Meter.CreateCounter<long>(
        "offload.io.bytes",
        unit: "By",
        description: "Bytes of frames written to and read from the pool's workers, by network.io.direction (transmit, receive).");

    static OffloadInstruments()
    {
        Meter.CreateObservableUpDownCounter(
            "offload.calls.in_flight",
            static () => Observe(static (pool, counts, into) => into.Add(new(counts.CallsInFlight, pool.Metrics.PoolTag))),
            unit: "{call}",
            description: "Calls handed to workers and not answered yet (the one each worker runs, and those sent ahead).");
        Meter.CreateObservableUpDownCounter(
            "offload.queue.length",
            static () => Observe(static (pool, counts, into) => into.Add(new(counts.Queued, pool.Metrics.PoolTag))),
            unit: "{call}",
            description: "Calls waiting in the pool's queue for a worker.");
        Meter.CreateObservableUpDownCounter(
            "offload.workers",
            static () => Observe(static (pool, counts, into) =>
            {
                var tag = pool.Metrics.PoolTag;
                into.Add(new(counts.Starting, tag, new(TelemetryNames.WorkerState, TelemetryNames.WorkerStates.Starting)));
                into.Add(new(counts.Idle, tag, new(TelemetryNames.WorkerState, TelemetryNames.WorkerStates.Idle)));
                into.Add(new(counts.Busy, tag, new(TelemetryNames.WorkerState, TelemetryNames.WorkerStates.Busy)));
                into.Add(new(counts.Retiring, tag, new(TelemetryNames.WorkerState, TelemetryNames.WorkerStates.Retiring)));
            }),
            unit: "{worker}",
            description: "The pool's workers by offload.worker.state: starting, idle, busy (running a call) or retiring.");
        Meter.CreateObservableCounter(
            "offload.worker.starts",
            static () => Observe(static (pool, _, into) => into.Add(new(Interlocked.Read(ref pool.Counters.WorkersStarted), pool.Metrics.PoolTag))),
            unit: "{worker}",
            description: "Workers that started and became ready (WorkerPoolStatistics.WorkersStarted).");
        Meter.CreateObservableCounter(
            "offload.worker.crashes",
            static () => Observe(static (pool, _, into) => into.Add(new(Interlocked.Read(ref pool.Counters.WorkerCrashes), pool.Metrics.PoolTag))),
            unit: "{worker}",
            description: "Workers that died unexpectedly (WorkerPoolStatistics.WorkerCrashes).");
        Meter.CreateObservableCounter(
            "offload.worker.recycles",
            static () => Observe(static (pool, _, into) => into.Add(new(Interlocked.Read(ref pool.Counters.WorkersRecycled), pool.Metrics.PoolTag))),
            unit: "{worker}",
            description: "Workers retired or killed on purpose: MaxCallsPerWorker, the memory limit, a timeout (WorkerPoolStatistics.WorkersRecycled).");
    }

    /// <summary>What an observable instrument reports for one pool.</summary>
    private delegate void Observer(WorkerPool pool, WorkerRoster.Counts counts, List<Measurement<long>> into);

    /// <summary>Makes sure the meter and its instruments exist (a pool's first use), so that listeners see them published.</summary>
    public static void EnsureCreated()
    {
    }

    /// <summary>Runs <paramref name="observe"/> for every live pool; only when a listener collects.</summary>
    private static List<Measurement<long>> Observe(Observer observe)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var pool in SharedPools.LivePoolsSnapshot())
        {
            WorkerRoster.Counts counts;
            lock (pool.Lock)
            {
                counts = pool.Roster.CountLocked(pool.Scheduler.QueuedLocked);
            }

            observe(pool, counts, measurements);
        }

        return measurements;
    }
}
