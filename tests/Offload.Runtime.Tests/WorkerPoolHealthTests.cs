namespace Offload.Runtime.Tests;

/// <summary><see cref="WorkerPool.GetHealth"/>: started, ready workers, recent crashes within the window, fault and shutdown.</summary>
public sealed class WorkerPoolHealthTests
{
    [Fact]
    public async Task A_pool_reports_its_life_from_created_to_shut_down()
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } });
        Assert.Equal(new WorkerPoolHealth(false, false, null, 0, 2, 0), pool.GetHealth(TimeSpan.FromMinutes(1)));

        await pool.StartAsync();
        Assert.Equal(new WorkerPoolHealth(true, false, null, 2, 2, 0), pool.GetHealth(TimeSpan.FromMinutes(1)));

        await pool.DisposeAsync();
        Assert.Equal(new WorkerPoolHealth(true, true, null, 0, 2, 0), pool.GetHealth(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Crashes_count_within_the_window_and_recycles_do_not()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxCallsPerWorker = 1, WorkerOutput = _ => { } });
        await pool.StartAsync();

        // Retired after its one call, on purpose: not a crash.
        await Workloads.ProcessIdAsync(pool);
        await TestHelpers.WaitUntilAsync(() => pool.Statistics.WorkersRecycled == 1 && pool.Workers.Count == 1);
        Assert.Equal(0, pool.GetHealth(TimeSpan.FromMinutes(1)).RecentCrashes);

        for (var crashes = 1; crashes <= 2; crashes++)
        {
            var victim = pool.Workers[0].ProcessId;
            TestHelpers.Kill(victim);
            await TestHelpers.WaitUntilAsync(() => pool.Statistics.WorkerCrashes == crashes && pool.Workers.Count == 1);
            Assert.Equal(crashes, pool.GetHealth(TimeSpan.FromMinutes(1)).RecentCrashes);
        }

        await Task.Delay(300);
        Assert.Equal(0, pool.GetHealth(TimeSpan.FromMilliseconds(250)).RecentCrashes);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.GetHealth(TimeSpan.Zero));
    }

    [Fact]
    public async Task A_faulted_pool_reports_its_fault()
    {
        var options = new WorkerPoolOptions { WorkerCount = 1, WorkerOutput = _ => { } };
        options.EnvironmentVariables["DOTNET_STARTUP_HOOKS"] = "/nonexistent/hook.dll";
        await using var pool = new WorkerPool(options);

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => pool.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        var health = pool.GetHealth(TimeSpan.FromMinutes(1));
        Assert.Same(error, health.Fault);
        Assert.False(health.IsShutDown);
        Assert.Equal(0, health.WorkersReady);
    }
}
