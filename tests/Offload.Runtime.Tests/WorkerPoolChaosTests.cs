namespace Offload.Runtime.Tests;

/// <summary>Calls under load while workers are killed at random.</summary>
public sealed class WorkerPoolChaosTests
{
    [Fact]
    public async Task Under_random_kills_only_calls_running_in_a_killed_worker_fail_and_none_hangs()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 4, Prefetch = 2, WorkerOutput = _ => { } });
        await pool.StartAsync();

        var calls = Enumerable.Range(0, 1_000).Select(i => FaultWorkloads.SquareAsync(pool, i, 3)).ToArray();
        var killed = await TestHelpers.KillRandomWorkersUntilAsync(pool, Task.WhenAll(calls));

        var failures = new List<WorkerCrashedException>();
        for (var i = 0; i < calls.Length; i++)
        {
            var call = calls[i];
            Assert.True(call.IsCompleted, $"call {i} hangs");
            if (call.IsCompletedSuccessfully)
            {
                Assert.Equal((long)i * i, await call);
            }
            else
            {
                failures.Add(Assert.IsType<WorkerCrashedException>(call.Exception!.InnerException));
            }
        }

        // A kill costs at most the one call its worker was running, and every failure names a worker that was killed.
        Assert.NotEmpty(killed);
        Assert.True(failures.Count <= killed.Count, $"{failures.Count} failures for {killed.Count} kills");
        Assert.All(failures, f => Assert.Contains(f.WorkerId!.Value, killed));
        Assert.Equal(failures.Count, failures.Select(f => f.WorkerId).Distinct().Count());
        Assert.All(failures, f => Assert.Equal(9, f.Signal));
        Assert.Equal(1_000 - failures.Count, pool.Statistics.CallsSucceeded);
    }
}
