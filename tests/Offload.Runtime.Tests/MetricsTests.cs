using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Offload.Runtime.Tests;

/// <summary>The Offload meter's instruments, read with a real <see cref="MeterListener"/> against real workers.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class MetricsTests : IDisposable
{
    private readonly ConcurrentQueue<Recorded> _recorded = new();
    private readonly MeterListener _listener = new();

    public MetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OffloadTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _recorded.Enqueue(new(instrument.Name, value, tags.ToArray())));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _recorded.Enqueue(new(instrument.Name, value, tags.ToArray())));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Call_duration_and_queue_time_count_every_call_by_method_and_outcome()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Name = "metrics-calls" });
        const int calls = 25;
        for (var i = 0; i < calls; i++)
        {
            Assert.Equal(i + 1, await Workloads.AddAsync(pool, i, 1));
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => Workloads.FailAsync(pool, "no"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Workloads.FailAsync(pool, "no"));

        var durations = Of("offload.call.duration", pool);
        Assert.Equal(calls + 2, durations.Count);
        Assert.All(durations, d => Assert.True(d.Value > 0));
        var successes = durations.Where(d => d.Tag("offload.outcome") == "success").ToList();
        Assert.Equal(calls, successes.Count);
        Assert.All(successes, d => Assert.Equal("Workloads.Add(long, long)", d.Tag("offload.method")));
        Assert.Equal(2, durations.Count(d => d.Tag("offload.outcome") == "error" && d.Tag("offload.method") == "Workloads.Fail(string)"));
        Assert.Equal(calls + 2, Of("offload.call.queue_time", pool).Count);

        // The counts agree with the pool's own statistics.
        Assert.Equal(pool.Statistics.CallsSucceeded, successes.Count);
    }

    [Fact]
    public async Task A_call_failed_by_the_pools_shutdown_is_shutdown_and_a_methods_own_ObjectDisposedException_an_error()
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Name = "metrics-shutdown" });
        await Assert.ThrowsAsync<ObjectDisposedException>(() => TelemetryWorkloads.ThrowDisposedAsync(pool));
        using var started = new StartedMarker();
        var running = Workloads.SignalThenBlockAsync(pool, started.Path, 30_000);
        await started.WaitAsync();

        await pool.ShutdownAsync(ShutdownMode.Kill);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => running);
        var outcomes = Of("offload.call.duration", pool).Select(d => (d.Tag("offload.method"), d.Tag("offload.outcome"))).ToList();
        Assert.Equal([("TelemetryWorkloads.ThrowDisposed()", "error"), ("Workloads.SignalThenBlock(string, int)", "shutdown")], outcomes);
    }

    [Fact]
    public async Task Worker_starts_crashes_and_recycles_are_counted_as_statistics_counts_them()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, Name = "metrics-workers", MaxCallsPerWorker = 3 });
        await pool.StartAsync();
        _listener.RecordObservableInstruments();
        Assert.Equal(2, Latest("offload.worker.starts", pool));
        Assert.Equal(0, Latest("offload.worker.crashes", pool));
        Assert.Equal(2, Latest("offload.workers", pool, ("offload.worker.state", "idle")));

        var victim = pool.Workers[0].ProcessId;
        TestHelpers.Kill(victim);
        await TestHelpers.WaitUntilAsync(() => pool.Statistics.WorkerCrashes == 1 && pool.Workers.Count == 2 && pool.Workers.All(w => w.ProcessId != victim));
        for (var i = 0; i < 6; i++)
        {
            await Workloads.AddAsync(pool, i, i);
        }

        await TestHelpers.WaitUntilAsync(() => pool.Statistics.WorkersRecycled >= 1);
        _recorded.Clear();
        _listener.RecordObservableInstruments();
        var statistics = pool.Statistics;
        Assert.Equal(1, Latest("offload.worker.crashes", pool));
        Assert.Equal(statistics.WorkersStarted, Latest("offload.worker.starts", pool));
        Assert.Equal(statistics.WorkersRecycled, Latest("offload.worker.recycles", pool));
        Assert.True(statistics.WorkersStarted >= 3);
    }

    [Fact]
    public async Task Queue_length_calls_in_flight_and_busy_workers_are_observed()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Prefetch = 0, Name = "metrics-queue" });
        await pool.StartAsync();
        using var started = new StartedMarker();
        using var cancel = new CancellationTokenSource();
        var running = Workloads.SignalThenSleepInWorkerAsync(pool, started.Path, 30_000, cancel.Token);
        await started.WaitAsync();
        var queued = Enumerable.Range(0, 3).Select(i => Workloads.AddAsync(pool, i, i)).ToList();

        try
        {
            _listener.RecordObservableInstruments();
            Assert.Equal(1, Latest("offload.calls.in_flight", pool));
            Assert.Equal(3, Latest("offload.queue.length", pool));
            Assert.Equal(1, Latest("offload.workers", pool, ("offload.worker.state", "busy")));
            Assert.Equal(0, Latest("offload.workers", pool, ("offload.worker.state", "idle")));
        }
        finally
        {
            // Whatever was asserted, the sleeping call ends now rather than hold the pool's disposal for 30 s.
            await cancel.CancelAsync();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await Task.WhenAll(queued);
        await TestHelpers.WaitUntilAsync(() => pool.Workers[0].CallsInFlight == 0);

        _listener.RecordObservableInstruments();
        Assert.Equal(0, Latest("offload.calls.in_flight", pool));
        Assert.Equal(0, Latest("offload.queue.length", pool));
        Assert.Equal(1, Latest("offload.workers", pool, ("offload.worker.state", "idle")));
        Assert.Single(Of("offload.call.duration", pool), d => d.Tag("offload.outcome") == "canceled");
    }

    [Fact]
    public async Task Bytes_sent_and_received_are_counted_by_direction()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Name = "metrics-bytes" });
        await pool.StartAsync();
        _recorded.Clear();
        const int calls = 10;
        for (var i = 0; i < calls; i++)
        {
            await Workloads.EchoAsync(pool, new byte[10_000]);
        }

        var bytes = Of("offload.io.bytes", pool);
        var sent = bytes.Where(b => b.Tag("network.io.direction") == "transmit").Sum(b => b.Value);
        var received = bytes.Where(b => b.Tag("network.io.direction") == "receive").Sum(b => b.Value);
        Assert.InRange(sent, calls * 10_000, calls * 11_000);
        Assert.InRange(received, calls * 10_000, calls * 11_000);
    }

    [Fact]
    public async Task Two_pools_are_told_apart_by_name_and_an_empty_name_is_refused()
    {
        await using var first = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        await using var second = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        await first.StartAsync();
        await second.StartAsync();
        Assert.Matches("^pool-[0-9]+$", first.Metrics.Name);
        Assert.NotEqual(first.Metrics.Name, second.Metrics.Name);

        _listener.RecordObservableInstruments();
        Assert.Equal(1, Latest("offload.worker.starts", first));
        Assert.Equal(1, Latest("offload.worker.starts", second));
        Assert.Throws<ArgumentOutOfRangeException>("Name", () => new WorkerPool(new WorkerPoolOptions { Name = " " }));
    }

    /// <summary>What <paramref name="instrument"/> recorded for <paramref name="pool"/>.</summary>
    private List<Recorded> Of(string instrument, WorkerPool pool) =>
        [.. _recorded.Where(r => r.Instrument == instrument && r.Tag("offload.pool.name") == pool.Metrics.Name)];

    /// <summary>The last value an observable instrument reported for <paramref name="pool"/> (and a tag, if given).</summary>
    private double Latest(string instrument, WorkerPool pool, (string Key, string Value)? tag = null) =>
        Of(instrument, pool).Last(r => tag is not { } t || r.Tag(t.Key) == t.Value).Value;

    private sealed record Recorded(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)
    {
        public string? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key).Value?.ToString();
    }
}
