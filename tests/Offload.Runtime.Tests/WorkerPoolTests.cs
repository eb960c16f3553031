using System.Diagnostics;

namespace Offload.Runtime.Tests;

/// <summary>End-to-end calls through a pool of real worker processes.</summary>
[Collection(SharedPoolCollection.Name)]
public sealed class WorkerPoolTests(PoolFixture fixture)
{
    private readonly WorkerPool _pool = fixture.Pool;

    [Fact]
    public async Task Every_supported_shape_round_trips()
    {
        Assert.Equal(5L, await Workloads.AddAsync(_pool, 2L, 3L));
        Assert.Equal("ab", await Workloads.AddAsync(_pool, "a", "b"));
        Assert.Equal("hi|1,2,3|Blue|2.5", await Workloads.DescribeAsync(_pool, "hi", [1, 2, 3], Color.Blue, 2.5));
        Assert.Equal("<null>||Red|none", await Workloads.DescribeAsync(_pool, null, [], Color.Red, null));

        var grouped = await Workloads.GroupAsync(_pool, [("a", 1), ("b", 2), ("a", 3)]);
        Assert.Equal([1, 3], grouped["a"]);
        Assert.Equal([2], grouped["b"]);

        var shape = new Shape { Name = "square", Corners = [(0, 0), (1, 1)], Tags = new() { ["w"] = 1.5 } };
        var scaled = await Workloads.ScaleAsync(_pool, shape, 2);
        Assert.Equal("square*2", scaled.Name);
        Assert.Equal([(0, 0), (2, 2)], scaled.Corners);
        Assert.Equal(3.0, scaled.Tags["w"]);

        var bytes = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        Assert.Equal(bytes, await Workloads.EchoAsync(_pool, bytes));

        await Workloads.TouchAsync(_pool);
        Assert.Equal(49, await Workloads.DelayedSquareInWorkerAsync(_pool, 7));
        await Workloads.PauseInWorkerAsync(_pool, 1);
        Assert.Equal("LOUD", await Workloads.UpperAsync(_pool, "loud"));
        await Workloads.NothingAsync(_pool);
        Assert.Equal(10, await Workloads.SleepInWorkerAsync(_pool, 10));
    }

    [Fact]
    public async Task Calls_run_in_other_processes()
    {
        var pid = await Workloads.ProcessIdAsync(_pool);
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Contains(pid, _pool.Workers.Select(w => w.ProcessId));
    }

    [Fact]
    public async Task Ten_thousand_concurrent_calls_all_return_and_every_worker_serves_some()
    {
        var before = _pool.Workers.ToDictionary(w => w.Id, w => w.CallsCompleted);
        var results = await Task.WhenAll(Enumerable.Range(0, 10_000).Select(i => Workloads.AddAsync(_pool, i, 1_000_000L)));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i + 1_000_000L, results[i]);
        }

        var after = _pool.Workers;
        Assert.Equal(2, after.Count);
        Assert.All(after, w => Assert.True(w.CallsCompleted > before.GetValueOrDefault(w.Id), $"worker {w.Id} served no call"));
    }

    [Fact]
    public async Task A_user_exception_arrives_typed_with_remote_stack_and_inner_exception_and_the_worker_keeps_serving()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Workloads.FailAsync(_pool, "boom"));

        Assert.Equal("boom", error.Message);
        Assert.Equal("Workloads.Fail(string)", error.Data[RemoteExceptionData.Method]);
        Assert.Contains(nameof(Workloads.Fail), error.StackTrace);
        Assert.IsType<int>(error.Data[RemoteExceptionData.WorkerId]);
        var inner = Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Equal("inner cause", inner.Message);

        var asyncError = await Assert.ThrowsAsync<FormatException>(() => Workloads.FailLaterInWorkerAsync(_pool));
        Assert.Equal("async failure", asyncError.Message);

        Assert.Equal(3L, await Workloads.AddAsync(_pool, 1L, 2L));
    }

    [Fact]
    public async Task An_exception_whose_message_cannot_be_read_still_arrives_and_the_worker_keeps_serving()
    {
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => Workloads.ThrowUnreadableAsync(_pool));

        Assert.Equal(typeof(UnreadableException).FullName, error.RemoteTypeName);
        Assert.Contains("could not be read", error.RemoteMessage);
        Assert.Equal(5L, await Workloads.AddAsync(_pool, 2L, 3L));
    }

    [Fact]
    public async Task An_exception_larger_than_a_frame_is_cut_down_and_the_worker_survives()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxFrameBytes = 64 * 1024 });
        var pid = await Workloads.ProcessIdAsync(pool);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Workloads.ThrowHugeAsync(pool, 500_000));

        Assert.StartsWith("xxxx", error.Message);
        Assert.Contains("more characters cut", error.Message);
        Assert.Equal(pid, await Workloads.ProcessIdAsync(pool));
    }

    [Fact]
    public async Task Canceling_a_queued_call_means_it_never_runs_and_the_caller_stops_waiting()
    {
        // One worker and no prefetch: while the worker runs a call, the next call waits in the pool's own queue.
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Prefetch = 0 });
        await pool.StartAsync();
        using var stopBlocker = new CancellationTokenSource();
        var blocker = Workloads.SleepInWorkerAsync(pool, 30_000, stopBlocker.Token);
        await TestHelpers.WaitUntilAsync(() => pool.Workers.Single().CallsInFlight == 1);

        using var cancellation = new CancellationTokenSource();
        var queued = Workloads.IncrementAsync(pool, cancellation.Token);
        Assert.Equal(1, pool.Statistics.QueueLength);
        var stopwatch = Stopwatch.StartNew();
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.True(stopwatch.ElapsedMilliseconds < 200, $"cancellation took {stopwatch.ElapsedMilliseconds} ms");

        // Free the worker; had the canceled call been sent when its turn came, the worker would have counted it.
        stopBlocker.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocker);
        Assert.Equal(1, await Workloads.IncrementAsync(pool).WaitAsync(TimeSpan.FromSeconds(10)));
        var statistics = pool.Statistics;
        Assert.Equal(0, statistics.QueueLength);
        Assert.Equal(2, statistics.CallsCanceled);
        Assert.Equal(1, statistics.WorkersStarted);
    }

    [Fact]
    public async Task Canceling_a_running_call_reaches_its_cancellation_token_in_the_worker()
    {
        // One worker, and a grace period far longer than the test: the pool does not kill the worker for a call it
        // keeps running, so the follow-up calls can only be served by the same process, and only after the worker's
        // method has seen its token and stopped.
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, CancellationGracePeriod = TimeSpan.FromMinutes(5) });
        await pool.StartAsync();
        var pid = pool.Workers.Single().ProcessId;
        using var started = new StartedMarker();
        using var cancellation = new CancellationTokenSource();
        var running = Workloads.SignalThenSleepInWorkerAsync(pool, started.Path, 30_000, cancellation.Token);
        await started.WaitAsync();
        var stopwatch = Stopwatch.StartNew();
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        // The worker saw the token too: it is free again long before the 30 s sleep would end, and its method caught
        // the cancellation.
        Assert.Equal(7L, await Workloads.AddAsync(pool, 3L, 4L).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(1, await Workloads.CancellationsObservedAsync(pool));
        Assert.Equal(pid, await Workloads.ProcessIdAsync(pool));

        var statistics = pool.Statistics;
        Assert.Equal(1, statistics.CallsCanceled);
        Assert.Equal(0, statistics.CallsFailed);
        Assert.Equal(0, statistics.WorkersRecycled);
        Assert.Equal(0, statistics.WorkerCrashes);
        Assert.Equal(1, statistics.WorkersStarted);
    }

    [Fact]
    public async Task An_already_canceled_token_fails_without_sending()
    {
        var token = new CancellationToken(canceled: true);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Workloads.AddAsync(_pool, 1L, 1L, token));
    }

    [Fact]
    public async Task Arguments_over_the_maximum_frame_size_fail_before_anything_is_sent()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxFrameBytes = 64 * 1024 });
        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() => Workloads.EchoAsync(pool, new byte[100_000]));

        Assert.Equal("Workloads.Echo(byte[])", error.MethodName);
        Assert.Equal(64 * 1024, error.MaxFrameBytes);
        Assert.True(error.PayloadBytes > 100_000);
        Assert.Empty(pool.Workers);
    }

    [Fact]
    public async Task An_argument_far_over_the_maximum_frame_size_is_refused_before_it_is_copied()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxFrameBytes = 1024 * 1024 });
        var huge = new byte[16 * 1024 * 1024];

        // Encoding runs on the caller's thread: what it allocates there is what refusing the call cost.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var call = Workloads.EchoAsync(pool, huge);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() => call);
        Assert.True(allocated < 256 * 1024, $"refusing a 16 MiB argument allocated {allocated} bytes");
        Assert.True(error.PayloadBytes > huge.Length, $"PayloadBytes was {error.PayloadBytes}");
        Assert.Contains("at least", error.Message);
        Assert.Equal(0, pool.Statistics.CallsSubmitted);
        Assert.Empty(pool.Workers);
    }

    [Fact]
    public async Task A_result_over_the_maximum_frame_size_fails_the_call_and_the_worker_keeps_serving()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxFrameBytes = 64 * 1024 });
        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() => Workloads.MakeBytesAsync(pool, 100_000));

        Assert.Equal("Workloads.MakeBytes(int)", error.MethodName);
        Assert.Contains("maximum frame size", error.Message);
        Assert.Equal(100, (await Workloads.MakeBytesAsync(pool, 100)).Length);
    }

    [Fact]
    public async Task Worker_output_reaches_the_parent_with_the_worker_id_and_does_not_disturb_calls()
    {
        var marker = Guid.NewGuid().ToString("N");
        await Workloads.ChatterAsync(_pool, marker);
        Assert.Equal(2L, await Workloads.AddAsync(_pool, 1L, 1L));

        await TestHelpers.TryWaitUntilAsync(() => fixture.Output.Count(l => l.Line.Contains(marker, StringComparison.Ordinal)) >= 2, timeoutMs: 5_000);

        var lines = fixture.Output.Where(l => l.Line.Contains(marker, StringComparison.Ordinal)).ToArray();
        Assert.Contains(lines, l => !l.IsError && l.Line == "out: " + marker);
        Assert.Contains(lines, l => l.IsError && l.Line == "err: " + marker);
        Assert.All(lines, l => Assert.Contains(l.WorkerId, _pool.Workers.Select(w => w.Id)));
    }
}
