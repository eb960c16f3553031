using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Offload.Runtime.Tests;

/// <summary>
/// Processes a worker's code starts (here <c>sleep 300</c>, which holds the worker's standard output and error open)
/// go with the worker, however the worker goes; and such a process does not slow down or blur the report of the
/// worker's death. The parent's own death is in <see cref="WorkerPoolLifecycleTests"/>.
/// </summary>
public sealed class ChildProcessTests(ITestOutputHelper output)
{
    /// <summary>How long a worker's child may outlive it: the group is killed as soon as the worker is seen to be gone.</summary>
    private const int GoneWithinMs = 5_000;

    [Fact]
    public async Task DisposeAsync_takes_a_workers_child_process_along()
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, WorkerOutput = _ => { } });
        var (workerPid, childPid) = await ChildProcessWorkloads.StartSleepAsync(pool);
        try
        {
            Assert.True(TestHelpers.IsAlive(childPid), "the child did not start");

            await pool.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.False(TestHelpers.IsAlive(workerPid), "the worker outlived the pool");
            await AssertGoneAsync(childPid, "the pool was disposed");
        }
        finally
        {
            KillIfAlive(childPid);
            await pool.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisposeAsync_is_quick_when_a_workers_child_holds_its_output_open(bool withChild)
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, WorkerOutput = _ => { } });
        var childPid = withChild ? (await ChildProcessWorkloads.StartSleepAsync(pool)).ChildPid : 0;
        try
        {
            await pool.StartAsync();
            var clock = Stopwatch.StartNew();
            await pool.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            clock.Stop();
            output.WriteLine($"DisposeAsync of a pool whose worker has {(withChild ? "a child holding its output" : "no child")}: {clock.Elapsed.TotalMilliseconds:0} ms");

            // Without a child it takes tens of milliseconds; waiting for the end of the worker's output took seconds.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"DisposeAsync took {clock.Elapsed.TotalMilliseconds:0} ms");
        }
        finally
        {
            KillIfAlive(childPid);
            await pool.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_recycled_worker_takes_its_child_process_along()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxCallsPerWorker = 1, WorkerOutput = _ => { } });
        var (workerPid, childPid) = await ChildProcessWorkloads.StartSleepAsync(pool);
        try
        {
            // Its one call answered, the worker is retired and stopped, and a fresh one takes its slot.
            await TestHelpers.WaitUntilAsync(() => !TestHelpers.IsAlive(workerPid), 20_000);
            await AssertGoneAsync(childPid, "its worker was recycled");
            Assert.Equal(1, pool.Statistics.WorkersRecycled);
        }
        finally
        {
            KillIfAlive(childPid);
        }
    }

    [Fact]
    public async Task A_worker_killed_from_outside_takes_its_child_process_along()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, WorkerOutput = _ => { } });
        var (workerPid, childPid) = await ChildProcessWorkloads.StartSleepAsync(pool);
        try
        {
            TestHelpers.Kill(workerPid);

            await AssertGoneAsync(childPid, "its worker was killed with SIGKILL");
            await TestHelpers.WaitUntilAsync(() => pool.Workers.Count == 1 && pool.Workers[0].ProcessId != workerPid, 20_000);
        }
        finally
        {
            KillIfAlive(childPid);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_whose_worker_dies_leaving_a_child_that_holds_its_output_is_retried_at_once(bool leaveChild)
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } });
        await pool.StartAsync();
        using var marker = new StartedMarker();

        var childPid = 0;
        try
        {
            var clock = Stopwatch.StartNew();
            var answeredBy = await ChildProcessWorkloads.DieOnceWithRetryAsync(pool, marker.Path, leaveChild, false).WaitAsync(TimeSpan.FromSeconds(60));
            clock.Stop();
            var sinceDeath = SinceDeath(marker);
            output.WriteLine($"retried call, {(leaveChild ? "with" : "without")} a child holding the dead worker's output: {clock.Elapsed.TotalMilliseconds:0} ms in all, {sinceDeath.TotalMilliseconds:0} ms from the worker's death to the answer");

            childPid = ChildOf(marker);
            Assert.Equal(1, pool.Statistics.CallsRetried);
            Assert.Equal(1, pool.Statistics.WorkerCrashes);
            Assert.Contains(answeredBy, pool.Workers.Select(w => w.ProcessId));

            // The first attempt takes a few milliseconds, and the retry goes to the other worker, which is ready.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the call took {clock.Elapsed.TotalMilliseconds:0} ms");
            await AssertGoneAsync(childPid, "its worker died");
        }
        finally
        {
            KillIfAlive(childPid == 0 && marker.IsSet ? ChildOf(marker) : childPid);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task A_worker_that_dies_leaving_a_child_that_holds_its_output_is_reported_as_without_one(bool leaveChild, bool kill)
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, WorkerOutput = _ => { } });
        await pool.StartAsync();
        using var marker = new StartedMarker();

        var childPid = 0;
        try
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<WorkerCrashedException>(
                () => ChildProcessWorkloads.DieOnceWithoutRetryAsync(pool, marker.Path, leaveChild, kill).WaitAsync(TimeSpan.FromSeconds(60)));
            clock.Stop();
            var sinceDeath = SinceDeath(marker);
            output.WriteLine($"failed call, {(leaveChild ? "with" : "without")} a child, {(kill ? "SIGKILL" : "exit code 3")}: {clock.Elapsed.TotalMilliseconds:0} ms in all, {sinceDeath.TotalMilliseconds:0} ms from the worker's death to the answer");
            output.WriteLine(error.Message);

            childPid = ChildOf(marker);
            Assert.Equal("ChildProcessWorkloads.DieOnceWithoutRetry(string, bool, bool)", error.MethodName);
            if (kill)
            {
                Assert.Equal(137, error.ExitCode);
                Assert.Equal(9, error.Signal);
                Assert.Contains("exit code 137 (signal 9, SIGKILL)", error.Message);
            }
            else
            {
                Assert.Equal(3, error.ExitCode);
                Assert.Null(error.Signal);
                Assert.Contains("exit code 3.", error.Message);
            }

            Assert.Contains("about to die, leaving a child behind", error.StandardErrorTail);
            Assert.Contains("about to die, leaving a child behind", error.Message);
            Assert.Null(error.InnerException);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the call took {clock.Elapsed.TotalMilliseconds:0} ms");
            await AssertGoneAsync(childPid, "its worker died");
        }
        finally
        {
            KillIfAlive(childPid == 0 && marker.IsSet ? ChildOf(marker) : childPid);
        }
    }

    /// <summary>About how long ago the dying workload wrote its marker, just before it died.</summary>
    private static TimeSpan SinceDeath(StartedMarker marker) => DateTime.UtcNow - File.GetLastWriteTimeUtc(marker.Path);

    /// <summary>The child's pid that a dying workload wrote into its marker (0: it started none).</summary>
    private static int ChildOf(StartedMarker marker) => int.Parse(File.ReadAllText(marker.Path), CultureInfo.InvariantCulture);

    private static async Task AssertGoneAsync(int childPid, string after)
    {
        if (childPid == 0)
        {
            return;
        }

        Assert.True(
            await TestHelpers.TryWaitUntilAsync(() => !TestHelpers.IsAlive(childPid), GoneWithinMs),
            $"the worker's child (pid {childPid}) was still running {GoneWithinMs} ms after {after}");
    }

    /// <summary>Leaves nothing behind when a test fails: the child would otherwise sleep for five minutes.</summary>
    private static void KillIfAlive(int pid)
    {
        if (pid == 0 || !TestHelpers.IsAlive(pid))
        {
            return;
        }

        try
        {
            TestHelpers.Kill(pid);
        }
        catch (ArgumentException)
        {
            // It went in the meantime.
        }
    }
}
