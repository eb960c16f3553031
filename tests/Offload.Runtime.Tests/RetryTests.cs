namespace Offload.Runtime.Tests;

/// <summary>Retries, per-method timeouts and worker initializers, as the attribute sets them.</summary>
public sealed class RetryTests
{
    [Fact]
    public async Task A_call_whose_worker_dies_is_retried_on_another_worker_up_to_MaxRetries()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } });
        var marker = Path.GetTempFileName();
        File.Delete(marker);
        try
        {
            // Two crashes, then an answer: within MaxRetries = 2.
            Assert.Equal(3, await RetryWorkloads.CrashUnlessRetriedAsync(pool, marker, 2));
            Assert.Equal(2, pool.Statistics.CallsRetried);
            Assert.Equal(2, pool.Statistics.WorkerCrashes);

            // Three crashes are one too many: the last crash is the answer.
            File.Delete(marker);
            var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => RetryWorkloads.CrashUnlessRetriedAsync(pool, marker, 3));
            Assert.Equal(72, error.ExitCode);
            Assert.Equal(4, pool.Statistics.CallsRetried);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task A_user_exception_is_not_retried_unless_asked_for()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RetryWorkloads.ThrowWithRetriesAsync(pool));
        Assert.Equal("attempt 1", error.Message);
        Assert.Equal(0, pool.Statistics.CallsRetried);

        // With RetryOnException the third attempt answers (in a fresh worker, whose attempt counter starts at 0).
        await using var fresh = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        Assert.Equal(3, await RetryWorkloads.ThrowTwiceThenAnswerAsync(fresh));
        Assert.Equal(2, fresh.Statistics.CallsRetried);
    }

    [Fact]
    public async Task A_method_timeout_fails_the_call_with_a_TimeoutException_and_recycles_the_worker()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        var pid = await Workloads.ProcessIdAsync(pool);
        var queued = RetryWorkloads.QuickWithTimeoutAsync(pool, 41);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CallTimeoutException>(() => RetryWorkloads.HangWithTimeoutAsync(pool));
        Assert.InRange(clock.ElapsedMilliseconds, 450, 5_000);
        Assert.IsAssignableFrom<TimeoutException>(error);
        Assert.Equal("RetryWorkloads.HangWithTimeout()", error.MethodName);
        Assert.Equal(TimeSpan.FromMilliseconds(500), error.Timeout);

        Assert.Equal(42, await queued);
        Assert.NotEqual(pid, await Workloads.ProcessIdAsync(pool));
        Assert.Equal(1, pool.Statistics.CallsTimedOut);
        Assert.Equal(1, pool.Statistics.WorkersRecycled);
    }

    [Fact]
    public async Task Initializers_run_once_in_every_worker_in_order_before_its_first_call()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, MaxCallsPerWorker = 2 });
        await pool.StartAsync();
        var states = new List<(int Initializations, bool Initialized, int Pid)>();
        for (var i = 0; i < 6; i++)
        {
            states.Add(await RetryWorkloads.InitializerStateAsync(pool));
        }

        // Every worker (recycled ones included) ran both initializers exactly once, the synchronous one first.
        Assert.All(states, s => Assert.Equal(11, s.Initializations));
        Assert.All(states, s => Assert.True(s.Initialized));
        Assert.True(states.Select(s => s.Pid).Distinct().Count() >= 3);
    }

    [Fact]
    public async Task An_initializer_that_throws_fails_pool_start_up_with_its_exception_and_never_hangs()
    {
        var pool = new WorkerPool(new WorkerPoolOptions
        {
            WorkerCount = 2,
            EnvironmentVariables = { ["OFFLOAD_TEST_FAIL_INITIALIZER"] = "1" },
        });
        await using var _ = pool;

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => pool.StartAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        var remote = Assert.IsType<RemoteInvocationException>(error.InnerException);
        Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteTypeName);
        Assert.Equal("the model file is missing", remote.RemoteMessage);
        Assert.Contains("WorkerInitializer", error.Message);

        // Calls fail the same way, at once.
        var call = await Assert.ThrowsAsync<WorkerStartException>(() => Workloads.AddAsync(pool, 1L, 2L).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Same(error, call);
    }

    [Fact]
    public async Task Under_random_kills_with_retries_no_call_fails()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 4, Prefetch = 2, WorkerOutput = _ => { } });
        await pool.StartAsync();

        var calls = Enumerable.Range(0, 1_000).Select(i => RetryWorkloads.RetriedSquareAsync(pool, i, 3)).ToArray();
        var killed = await TestHelpers.KillRandomWorkersUntilAsync(pool, Task.WhenAll(calls));

        Assert.NotEmpty(killed);
        for (var i = 0; i < calls.Length; i++)
        {
            Assert.Equal((long)i * i, await calls[i]);
        }

        Assert.True(pool.Statistics.CallsRetried > 0);
        Assert.Equal(0, pool.Statistics.CallsFailed);
    }
}
