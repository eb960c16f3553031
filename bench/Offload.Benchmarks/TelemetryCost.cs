using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Offload.Benchmarks;

/// <summary>
/// What tracing and metrics cost a trivial call: the round trip of <see cref="Workloads.Echo"/> (1 worker, one call
/// outstanding) and the rate of many concurrent calls (as goal 2a), each with no listener and with an
/// <see cref="ActivityListener"/> (all data, recorded) and a <see cref="MeterListener"/> on every Offload instrument,
/// in alternating blocks of the same run; parent bytes allocated per call for each. The listeners only count what they
/// get, so this is Offload's own cost, not an exporter's.
/// </summary>
internal static class TelemetryCost
{
    private const int Blocks = 2;

    public static async Task MeasureAsync(BenchmarkSettings settings, ResultTable table, Func<WorkerPool, WorkerPool> track)
    {
        var roundTripCalls = Math.Max(settings.RoundTripCalls / Blocks, 100);
        var throughputCalls = Math.Max(settings.ThroughputCalls / (2 * Blocks), 500);
        List<long> samplesOff = new(roundTripCalls * Blocks), samplesOn = new(roundTripCalls * Blocks);
        long allocatedOff = 0, allocatedOn = 0, spans = 0;
        await using (var pool = track(new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Name = "bench-telemetry-roundtrip" })))
        {
            await pool.StartAsync();
            await RoundTripsAsync(pool, settings.RoundTripWarmupCalls, null);
            using (new Listeners())
            {
                await RoundTripsAsync(pool, settings.RoundTripWarmupCalls, null);
            }

            for (var block = 0; block < Blocks; block++)
            {
                allocatedOff += await RoundTripsAsync(pool, roundTripCalls, samplesOff);
                using var listeners = new Listeners();
                allocatedOn += await RoundTripsAsync(pool, roundTripCalls, samplesOn);
                spans += listeners.Spans;
            }
        }

        var off = LatencySummary.FromStopwatchTicks([.. samplesOff]);
        var on = LatencySummary.FromStopwatchTicks([.. samplesOn]);
        var calls = $"{samplesOff.Count:N0} calls each, in {Blocks} alternating blocks";
        table.Add("telemetry", "Round trip Echo(int) p50, 1 worker, no listener", off.P50, "µs", 1, $"{calls}; p90 {off.P90:F1} µs");
        table.Add("telemetry", "Round trip Echo(int) p50, 1 worker, ActivityListener + MeterListener", on.P50, "µs", 1, $"p90 {on.P90:F1} µs; {spans:N0} client spans recorded");
        table.Add("telemetry", "Round trip p50, traced and metered ÷ untraced", on.P50 / off.P50, "×", 2);
        table.Add("telemetry", "Parent allocation per call, round trip, no listener", (double)allocatedOff / samplesOff.Count, "B/call", 0);
        table.Add("telemetry", "Parent allocation per call, round trip, ActivityListener + MeterListener", (double)allocatedOn / samplesOn.Count, "B/call", 0, "the client span, its tags and the trace context in the frame");

        double elapsedOff = 0, elapsedOn = 0;
        allocatedOff = allocatedOn = 0;
        await using (var pool = track(new WorkerPool(new WorkerPoolOptions { WorkerCount = Environment.ProcessorCount, Prefetch = settings.ThroughputPrefetch, Name = "bench-telemetry-throughput" })))
        {
            await pool.StartAsync();
            await ConcurrentAsync(pool, settings.ThroughputWarmupCalls);
            using (new Listeners())
            {
                await ConcurrentAsync(pool, settings.ThroughputWarmupCalls);
            }

            for (var block = 0; block < Blocks; block++)
            {
                var (seconds, allocated) = await ConcurrentAsync(pool, throughputCalls);
                elapsedOff += seconds;
                allocatedOff += allocated;
                using var listeners = new Listeners();
                (seconds, allocated) = await ConcurrentAsync(pool, throughputCalls);
                elapsedOn += seconds;
                allocatedOn += allocated;
            }
        }

        var total = (double)throughputCalls * Blocks;
        var label = $"{throughputCalls:N0} concurrent Echo(int) × {Blocks}, {Environment.ProcessorCount} workers, Prefetch={settings.ThroughputPrefetch}";
        table.Add("telemetry", $"Throughput, {label}, no listener", total / elapsedOff, "calls/s", 0);
        table.Add("telemetry", $"Throughput, {label}, ActivityListener + MeterListener", total / elapsedOn, "calls/s", 0);
        table.Add("telemetry", "Time per concurrent call, traced and metered ÷ untraced", elapsedOn / elapsedOff, "×", 2);
        table.Add("telemetry", "Parent allocation per call, concurrent, no listener", allocatedOff / total, "B/call", 0);
        table.Add("telemetry", "Parent allocation per call, concurrent, ActivityListener + MeterListener", allocatedOn / total, "B/call", 0);
    }

    /// <summary>Echo(int) awaited in a loop; adds each round trip's ticks to <paramref name="samples"/>; returns the bytes allocated.</summary>
    private static async Task<long> RoundTripsAsync(WorkerPool pool, int calls, List<long>? samples)
    {
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await Workloads.EchoAsync(pool, i);
            var elapsed = Stopwatch.GetTimestamp() - start;
            if (result != i)
            {
                throw new InvalidOperationException($"Echo({i}) returned {result}.");
            }

            samples?.Add(elapsed);
        }

        return GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    }

    /// <summary>Starts <paramref name="calls"/> Echo(int) at once, then awaits them all: seconds and bytes allocated.</summary>
    private static async Task<(double Seconds, long Allocated)> ConcurrentAsync(WorkerPool pool, int calls)
    {
        var tasks = new Task<int>[calls];
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            tasks[i] = Workloads.EchoAsync(pool, i);
        }

        await Task.WhenAll(tasks);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        for (var i = 0; i < calls; i++)
        {
            if (tasks[i].Result != i)
            {
                throw new InvalidOperationException($"Echo({i}) returned {tasks[i].Result}.");
            }
        }

        return (seconds, allocated);
    }

    /// <summary>The cheapest listeners that ask for everything: spans recorded with all data, every instrument measured.</summary>
    private sealed class Listeners : IDisposable
    {
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters = new();
        private long _spans;
        private double _sum;

        public Listeners()
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == OffloadTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _ => Interlocked.Increment(ref _spans),
            };
            ActivitySource.AddActivityListener(_activities);
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == OffloadTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<double>((_, value, _, _) => _sum += value);
            _meters.SetMeasurementEventCallback<long>((_, value, _, _) => _sum += value);
            _meters.Start();
        }

        public long Spans => Interlocked.Read(ref _spans);

        public void Dispose()
        {
            _activities.Dispose();
            _meters.Dispose();
        }
    }
}
