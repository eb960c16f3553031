using System.Diagnostics;

namespace Offload.Runtime.Tests;

/// <summary>
/// The fault matrix: every way a call can break its worker. In each case only the call that was running fails, with a
/// precise typed exception; the calls queued behind it on the same worker run elsewhere; the pool is back to full
/// strength; and later calls succeed.
/// </summary>
public sealed class WorkerFaultTests
{
    public static TheoryData<string> Faults =>
    [
        "user exception",
        "Environment.Exit",
        "Environment.FailFast",
        "stack overflow",
        "out of memory",
        "native crash",
        "SIGKILL from outside",
        "hung",
    ];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_fault_costs_only_the_running_call_and_the_pool_heals(string fault)
    {
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var pool = new WorkerPool(new WorkerPoolOptions
        {
            WorkerCount = 2,
            Prefetch = 8,
            WorkerHeapHardLimitBytes = 256L * 1024 * 1024,
            CallTimeout = fault == "hung" ? TimeSpan.FromSeconds(1) : null,
            WorkerOutput = line => stderr.Enqueue(line.Line),
        });
        await pool.StartAsync();
        var before = pool.Workers.ToDictionary(w => w.Id, w => w.ProcessId);

        var faulty = StartFault(pool, fault);

        // Calls sent after it: with prefetch, about half of them queue behind it on the same worker.
        var others = Enumerable.Range(0, 24).Select(i => FaultWorkloads.SquareAsync(pool, i, 20)).ToArray();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => faulty.WaitAsync(TimeSpan.FromSeconds(30)));
        var workerId = CheckError(fault, error);

        var results = await Task.WhenAll(others).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (long)i * i), results);

        if (fault == "user exception")
        {
            // The worker keeps serving after an exception in user code.
            Assert.Equal(before.Keys.Order(), pool.Workers.Select(w => w.Id).Order());
        }
        else
        {
            await TestHelpers.WaitUntilAsync(() => pool.Workers.Count == 2 && pool.Workers.All(w => w.Id != workerId), 20_000);

            // A recycled worker leaves Workers when it stops taking calls, and exits once it has finished what it had
            // (it unmaps and deletes its shared memory on the way): its process ends soon after, not necessarily before.
            var dead = await TestHelpers.TryWaitUntilAsync(() => !TestHelpers.IsAlive(before[workerId]), 10_000);
            Assert.True(dead, $"worker {workerId} (pid {before[workerId]}) is still alive");
        }

        Assert.Equal(7L * 7, await FaultWorkloads.SquareAsync(pool, 7, 0));
        var statistics = pool.Statistics;
        Assert.Equal(1, statistics.CallsFailed);
        Assert.Equal(25, statistics.CallsSucceeded);
        Assert.Equal(fault is "Environment.Exit" or "Environment.FailFast" or "stack overflow" or "native crash" or "SIGKILL from outside" ? 1 : 0, statistics.WorkerCrashes);
        Assert.Equal(fault is "out of memory" or "hung" ? 1 : 0, statistics.WorkersRecycled);
    }

    [Fact]
    public async Task A_canceled_call_whose_worker_does_not_stop_gets_the_worker_replaced_after_the_grace_period()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions
        {
            WorkerCount = 1,
            CancellationGracePeriod = TimeSpan.FromMilliseconds(300),
            WorkerOutput = _ => { },
        });
        await pool.StartAsync();
        var pid = pool.Workers.Single().ProcessId;

        using var cancel = new CancellationTokenSource();
        using var started = new StartedMarker();
        var running = Workloads.SignalThenBlockAsync(pool, started.Path, 60_000, cancel.Token);
        var queued = Workloads.AddAsync(pool, 20L, 22L);
        await started.WaitAsync();
        var canceledAt = Stopwatch.StartNew();
        cancel.Cancel();

        // The caller is released at once; the worker ignores its token, so it is killed after the grace period.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.True(canceledAt.ElapsedMilliseconds < 200, $"cancellation took {canceledAt.ElapsedMilliseconds} ms");
        Assert.Equal(42L, await queued.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.NotEqual(pid, await Workloads.ProcessIdAsync(pool));
        Assert.False(TestHelpers.IsAlive(pid));
        Assert.Equal(1, pool.Statistics.WorkersRecycled);
        Assert.Equal(0, pool.Statistics.WorkerCrashes);
    }

    [Fact]
    public async Task A_canceled_call_that_stops_in_time_keeps_its_worker()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, CancellationGracePeriod = TimeSpan.FromMilliseconds(300) });
        await pool.StartAsync();
        var pid = pool.Workers.Single().ProcessId;

        using var cancel = new CancellationTokenSource();
        using var started = new StartedMarker();
        var running = Workloads.SignalThenSleepInWorkerAsync(pool, started.Path, 60_000, cancel.Token);
        await started.WaitAsync();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        // A fixed wait on purpose: this checks that something does NOT happen (the pool killing the worker once the
        // 300 ms grace period is over), which no condition can signal. Twice the grace period.
        await Task.Delay(600);
        Assert.Equal(pid, await Workloads.ProcessIdAsync(pool));
        Assert.Equal(0, pool.Statistics.WorkersRecycled);
    }

    private static Task StartFault(WorkerPool pool, string fault)
    {
        switch (fault)
        {
            case "user exception":
                return Workloads.FailAsync(pool, "on purpose");
            case "Environment.Exit":
                return Workloads.CrashAsync(pool, 42);
            case "Environment.FailFast":
                return Workloads.FailFastAsync(pool);
            case "stack overflow":
                return FaultWorkloads.OverflowStackAsync(pool, 0);
            case "out of memory":
                return FaultWorkloads.AllocateMegabytesAsync(pool, 4096);
            case "native crash":
                return FaultWorkloads.CrashNativelyAsync(pool);
            case "SIGKILL from outside":
                return KillMidCallAsync(pool);
            case "hung":
                return FaultWorkloads.HangAsync(pool);
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    private static async Task KillMidCallAsync(WorkerPool pool)
    {
        using var started = new StartedMarker();
        var running = FaultWorkloads.SleepThenPidAsync(pool, started.Path, 30_000);
        await started.WaitAsync();
        TestHelpers.Kill(started.ProcessId);
        await running;
    }

    /// <summary>Checks the exception fits the fault precisely; returns the id of the worker that ran the call.</summary>
    private static int CheckError(string fault, Exception error)
    {
        switch (fault)
        {
            case "user exception":
            {
                var thrown = Assert.IsType<InvalidOperationException>(error);
                Assert.Equal("Workloads.Fail(string)", thrown.Data[RemoteExceptionData.Method]);
                return Assert.IsType<int>(thrown.Data[RemoteExceptionData.WorkerId]);
            }

            case "out of memory":
            {
                // Never rebuilt as the parent's own OutOfMemoryException: that would say the parent ran out.
                var remote = Assert.IsType<RemoteInvocationException>(error);
                Assert.Equal("FaultWorkloads.AllocateMegabytes(int)", remote.MethodName);
                Assert.Equal(typeof(OutOfMemoryException).FullName, remote.RemoteTypeName);
                return remote.WorkerId!.Value;
            }

            case "hung":
            {
                var timeout = Assert.IsType<CallTimeoutException>(error);
                Assert.Equal("FaultWorkloads.Hang()", timeout.MethodName);
                Assert.Equal(TimeSpan.FromSeconds(1), timeout.Timeout);
                Assert.Contains("FaultWorkloads.Hang()", timeout.Message);
                Assert.Contains("killed and replaced", timeout.Message);
                return timeout.WorkerId!.Value;
            }
        }

        var crash = Assert.IsType<WorkerCrashedException>(error);
        Assert.NotNull(crash.WorkerId);
        Assert.Contains(crash.MethodName!, crash.Message);
        switch (fault)
        {
            case "Environment.Exit":
                Assert.Equal("Workloads.Crash(int)", crash.MethodName);
                Assert.Equal(42, crash.ExitCode);
                Assert.Contains("about to crash on purpose", crash.StandardErrorTail);
                break;
            case "Environment.FailFast":
                Assert.Equal(6, crash.Signal);
                Assert.Contains(crash.StandardErrorTail, line => line.Contains("fail fast on purpose", StringComparison.Ordinal));
                break;
            case "stack overflow":
                Assert.Equal("FaultWorkloads.OverflowStack(int)", crash.MethodName);
                Assert.Equal(6, crash.Signal);
                Assert.Contains(crash.StandardErrorTail, line => line.Contains("OverflowStack", StringComparison.Ordinal));
                break;
            case "native crash":
                Assert.Equal("FaultWorkloads.CrashNatively()", crash.MethodName);
                Assert.True(crash.Signal is 11 or 6, $"signal {crash.Signal}");
                Assert.Contains("about to read address 1 in native code", crash.StandardErrorTail);
                break;
            case "SIGKILL from outside":
                Assert.Equal("FaultWorkloads.SleepThenPid(string, int)", crash.MethodName);
                Assert.Equal(9, crash.Signal);
                Assert.Contains("SIGKILL", crash.Message);
                break;
        }

        return crash.WorkerId!.Value;
    }
}
