namespace Offload.Runtime.Tests;

/// <summary>Maps whose workers die: each test has a pool of its own.</summary>
public sealed class MapFaultTests
{
    [Fact]
    public async Task A_worker_killed_mid_map_fails_the_map_with_WorkerCrashedException_after_the_earlier_results()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } });
        var results = new List<int>();
        var error = await Assert.ThrowsAsync<WorkerCrashedException>(async () =>
        {
            await foreach (var x in MapWorkloads.DieAtMapAsync(Enumerable.Range(0, 50_000).Select(i => (i, 20_000)), pool: pool))
            {
                results.Add(x);
            }
        });

        Assert.Equal(41, error.ExitCode);
        Assert.Equal("MapWorkloads.DieAt(int, int)", error.MethodName);
        Assert.True(results.Count <= 20_000);
        Assert.Equal(Enumerable.Range(0, results.Count), results);

        // The pool replaced the worker and maps on.
        Assert.Equal(Enumerable.Range(0, 1_000), await ToListAsync(MapWorkloads.DieAtMapAsync(Enumerable.Range(0, 1_000).Select(i => (i, -1)), pool: pool)));
    }

    [Fact]
    public async Task With_MaxRetries_the_chunk_of_a_killed_worker_is_run_again_and_the_map_completes()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } });
        var marker = Path.Combine(Path.GetTempPath(), "offload-map-" + Guid.NewGuid().ToString("N"));
        try
        {
            var results = await ToListAsync(MapWorkloads.DieOnceAtMapAsync(Enumerable.Range(0, 50_000).Select(i => (i, 30_000, marker)), pool: pool));

            Assert.Equal(Enumerable.Range(0, 50_000), results);
            Assert.True(File.Exists(marker));
            Assert.Equal(1, pool.Statistics.CallsRetried);
            Assert.Equal(1, pool.Statistics.WorkerCrashes);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
