namespace Offload.Runtime.Tests;

/// <summary>What happens when a worker process dies: only its running call fails, and the pool heals.</summary>
public sealed class WorkerTests
{
    [Fact]
    public async Task A_worker_that_exits_fails_only_its_call_with_exit_code_and_stderr_and_is_replaced()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } });
        await pool.StartAsync();
        var before = pool.Workers.Select(w => w.Id).ToHashSet();

        var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => Workloads.CrashAsync(pool, 42));

        Assert.Equal("Workloads.Crash(int)", error.MethodName);
        Assert.Equal(42, error.ExitCode);
        Assert.Null(error.Signal);
        Assert.Contains("Workloads.Crash(int)", error.Message);
        Assert.Contains("exit code 42", error.Message);
        Assert.Contains("about to crash on purpose", error.StandardErrorTail);
        Assert.Contains(error.WorkerId!.Value, before);

        // The next call succeeds, and the pool is back to full strength with a new worker.
        Assert.Equal(3L, await Workloads.AddAsync(pool, 1L, 2L));
        await TestHelpers.WaitUntilAsync(() => pool.Workers.Count == 2 && !pool.Workers.Any(w => w.Id == error.WorkerId));
    }

    [Fact]
    public async Task A_fail_fast_reports_the_signal_and_calls_queued_behind_it_run_elsewhere()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, Prefetch = 4, WorkerOutput = _ => { } });
        await pool.StartAsync();

        var crash = Workloads.FailFastAsync(pool);
        var others = Enumerable.Range(0, 40).Select(i => Workloads.AddAsync(pool, i, 1L)).ToArray();

        var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => crash);
        Assert.Equal(6, error.Signal); // SIGABRT
        Assert.Contains(error.StandardErrorTail, line => line.Contains("fail fast on purpose", StringComparison.Ordinal));

        var results = await Task.WhenAll(others);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), results);
    }

    [Fact]
    public async Task A_worker_killed_from_outside_mid_call_fails_that_call_and_the_pool_recovers()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, WorkerOutput = _ => { } });
        await pool.StartAsync();
        var pid = pool.Workers.Single().ProcessId;

        using var started = new StartedMarker();
        var running = Workloads.SignalThenBlockAsync(pool, started.Path, 10_000);
        await started.WaitAsync();
        Assert.Equal(pid, started.ProcessId);
        TestHelpers.Kill(pid);

        var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => running);
        Assert.Equal(9, error.Signal);
        Assert.Contains("SIGKILL", error.Message);

        Assert.NotEqual(pid, await Workloads.ProcessIdAsync(pool));
    }
}
