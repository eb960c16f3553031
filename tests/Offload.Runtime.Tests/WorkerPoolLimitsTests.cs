using System.Diagnostics;

namespace Offload.Runtime.Tests;

/// <summary>Recycling workers, a bounded queue, and the ways to shut a pool down.</summary>
public sealed class WorkerPoolLimitsTests
{
    [Fact]
    public async Task A_worker_is_replaced_after_MaxCallsPerWorker_calls()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxCallsPerWorker = 3 });
        var seen = new List<(int Pid, int Calls)>();
        for (var i = 0; i < 7; i++)
        {
            seen.Add(await FaultWorkloads.CountCallsAsync(pool));
        }

        // Three calls per process, each process counting from 1: the state of one never leaks into the next.
        var byProcess = seen.GroupBy(s => s.Pid).Select(g => g.Select(s => s.Calls).ToArray()).ToArray();
        Assert.Equal(3, byProcess.Length);
        Assert.Equal([1, 2, 3], byProcess[0]);
        Assert.Equal([1, 2, 3], byProcess[1]);
        Assert.Equal([1], byProcess[2]);
        Assert.Equal(2, pool.Statistics.WorkersRecycled);
        Assert.Equal(0, pool.Statistics.WorkerCrashes);
        Assert.Equal(0, pool.Statistics.CallsFailed);
    }

    [Fact]
    public async Task A_worker_whose_memory_is_over_the_limit_after_a_call_is_replaced_and_the_call_succeeds()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, WorkerMemoryLimitBytes = 200L * 1024 * 1024 });
        var small = await FaultWorkloads.LeakAsync(pool, 1);
        Assert.Equal(small, await FaultWorkloads.LeakAsync(pool, 1));

        // This call leaks 300 MiB: it still succeeds, but its worker retires and a new one serves the next call.
        Assert.Equal(small, await FaultWorkloads.LeakAsync(pool, 300));
        var next = await FaultWorkloads.LeakAsync(pool, 1);
        Assert.NotEqual(small, next);
        await TestHelpers.WaitUntilAsync(() => !TestHelpers.IsAlive(small));
        Assert.Equal(1, pool.Statistics.WorkersRecycled);
        Assert.Equal(0, pool.Statistics.CallsFailed);
    }

    [Fact]
    public async Task A_full_queue_makes_callers_wait_for_room_and_every_call_still_runs()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Prefetch = 0, MaxQueuedCalls = 2 });
        await pool.StartAsync();

        var calls = Enumerable.Range(0, 8).Select(i => FaultWorkloads.SquareAsync(pool, i, 50)).ToArray();
        await TestHelpers.WaitUntilAsync(() => pool.Workers.Single().CallsInFlight == 1);

        // One call runs and two wait in the queue; the other five callers wait for room, outside the pool.
        Assert.True(pool.Statistics.QueueLength <= 2, $"queue length {pool.Statistics.QueueLength}");
        Assert.Equal(3, pool.Statistics.CallsSubmitted);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i * i), await Task.WhenAll(calls));
        Assert.Equal(8, pool.Statistics.CallsSucceeded);
    }

    [Fact]
    public async Task A_caller_waiting_for_room_can_cancel()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Prefetch = 0, MaxQueuedCalls = 1 });
        await pool.StartAsync();
        var running = FaultWorkloads.SquareAsync(pool, 1, 300);
        var queued = FaultWorkloads.SquareAsync(pool, 2, 0);
        await TestHelpers.WaitUntilAsync(() => pool.Statistics.CallsSubmitted == 2);

        using var cancel = new CancellationTokenSource();
        var waiting = FaultWorkloads.SquareAsync(pool, 3, 0, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        var answers = await Task.WhenAll(running, queued);
        Assert.Equal(new[] { 1L, 4L }, answers);
        Assert.Equal(2, pool.Statistics.CallsSubmitted);
    }

    [Fact]
    public async Task A_full_queue_fails_new_calls_when_configured_to()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Prefetch = 0, MaxQueuedCalls = 1, QueueFullMode = QueueFullMode.Fail });
        await pool.StartAsync();
        var running = FaultWorkloads.SquareAsync(pool, 1, 300);
        var queued = FaultWorkloads.SquareAsync(pool, 2, 0);
        await TestHelpers.WaitUntilAsync(() => pool.Statistics.CallsSubmitted == 2);
        await TestHelpers.WaitUntilAsync(() => pool.Workers.Single().CallsInFlight == 1 && pool.Statistics.QueueLength == 1);

        var error = await Assert.ThrowsAsync<PoolQueueFullException>(() => FaultWorkloads.SquareAsync(pool, 3, 0));
        Assert.Equal("FaultWorkloads.Square(long, int)", error.MethodName);
        Assert.Equal(1, error.MaxQueuedCalls);
        var answers = await Task.WhenAll(running, queued);
        Assert.Equal(new[] { 1L, 4L }, answers);

        // Room again: calls are accepted.
        Assert.Equal(9L, await FaultWorkloads.SquareAsync(pool, 3, 0));
    }

    [Fact]
    public async Task Shutdown_that_cancels_queued_calls_lets_running_ones_finish()
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Prefetch = 0 });
        await pool.StartAsync();
        var running = FaultWorkloads.SquareAsync(pool, 5, 300);
        var queued = Enumerable.Range(0, 5).Select(i => FaultWorkloads.SquareAsync(pool, i, 0)).ToArray();
        await TestHelpers.WaitUntilAsync(() => pool.Workers.Single().CallsInFlight == 1);

        await pool.ShutdownAsync(ShutdownMode.CancelQueued).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(25L, await running);
        foreach (var call in queued)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => FaultWorkloads.SquareAsync(pool, 1, 0));
    }

    [Fact]
    public async Task Shutdown_that_kills_ends_running_calls_at_once_and_leaves_no_worker()
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, Prefetch = 0 });
        await pool.StartAsync();
        var pids = pool.Workers.Select(w => w.ProcessId).ToArray();
        var running = Enumerable.Range(0, 2).Select(_ => FaultWorkloads.HangAsync(pool)).ToArray();
        var queued = FaultWorkloads.SquareAsync(pool, 3, 0);
        await TestHelpers.WaitUntilAsync(() => pool.Workers.All(w => w.CallsInFlight == 1));

        var stopwatch = Stopwatch.StartNew();
        await pool.ShutdownAsync(ShutdownMode.Kill).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopwatch.ElapsedMilliseconds < 3_000, $"kill took {stopwatch.ElapsedMilliseconds} ms");

        foreach (var call in running)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => call);
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.All(pids, pid => Assert.False(TestHelpers.IsAlive(pid)));
    }

    [Fact]
    public async Task A_drain_that_takes_too_long_can_be_escalated_to_a_kill()
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        await pool.StartAsync();
        var running = FaultWorkloads.HangAsync(pool);
        await TestHelpers.WaitUntilAsync(() => pool.Workers.Single().CallsInFlight == 1);

        var drain = pool.DisposeAsync().AsTask();

        // A fixed wait on purpose: this checks that the drain does NOT finish while the call hangs, which no condition
        // can signal.
        await Task.Delay(200);
        Assert.False(drain.IsCompleted);

        await pool.ShutdownAsync(ShutdownMode.Kill).WaitAsync(TimeSpan.FromSeconds(10));
        await drain.WaitAsync(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => running);
    }
}
