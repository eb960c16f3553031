using System.Collections.Concurrent;
using Offload.CompilerServices;

namespace Offload.Runtime.Tests;

/// <summary>
/// The pool abstraction the generated companions take: a pool that is not a <see cref="WorkerPool"/> (as a cluster
/// pool will be) receives every kind of call through <see cref="IWorkerPool"/>, and the companions' results come from it.
/// </summary>
[Collection(SharedPoolCollection.Name)]
public sealed class IWorkerPoolTests(PoolFixture fixture)
{
    [Fact]
    public async Task Single_calls_with_and_without_a_result_go_through_the_interface()
    {
        var pool = new RecordingPool(fixture.Pool);

        Assert.Equal(7L, await Workloads.AddAsync(pool, 3L, 4L));
        await Workloads.TouchAsync(pool);

        Assert.Equal(["InvokeAsync<TArguments, TResult>", "InvokeAsync<TArguments>"], pool.Calls);
        Assert.All(pool.Methods, m => Assert.StartsWith("Workloads.", m));
    }

    [Fact]
    public async Task Maps_over_synchronous_and_asynchronous_inputs_go_through_the_interface()
    {
        var pool = new RecordingPool(fixture.Pool);
        var directory = Directory.CreateTempSubdirectory("offload-iworkerpool-");
        try
        {
            var ordered = await MapWorkloads.SquareMapAsync(Enumerable.Range(0, 50), pool: pool).ToListAsync();
            var unordered = await MapWorkloads.SquareMapUnorderedAsync(AsyncRange(50), pool: pool).ToListAsync();
            await MapWorkloads.TouchForEachAsync(Enumerable.Range(0, 5).Select(i => (directory.FullName, i)), pool: pool);

            Assert.Equal(Enumerable.Range(0, 50).Select(i => i * i), ordered);
            Assert.Equal(Enumerable.Range(0, 50).Select(i => i * i), unordered.OrderBy(r => r.Index).Select(r => r.Value));
            Assert.Equal(5, directory.GetFiles().Length);
            Assert.Equal(["MapAsync", "MapUnorderedAsync", "ForEachAsync"], pool.Calls);
            Assert.Equal([true, false, true], pool.SynchronousSources);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_null_pool_is_refused_for_a_call_and_means_the_shared_pool_for_a_map()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Workloads.AddAsync((IWorkerPool)null!, 1L, 2L));

        // A map's pool is optional: the same companion without one runs on WorkerPool.Shared.
        var submittedBefore = WorkerPool.Shared.Statistics.CallsSubmitted;
        Assert.Equal([0, 1, 4], await MapWorkloads.SquareMapAsync([0, 1, 2], pool: null).ToListAsync());
        Assert.True(WorkerPool.Shared.Statistics.CallsSubmitted > submittedBefore);
    }

    private static async IAsyncEnumerable<int> AsyncRange(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    /// <summary>A pool of its own kind that records what the companions asked of it and lets a real pool run it.</summary>
    private sealed class RecordingPool(IWorkerPool inner) : IWorkerPool
    {
        public ConcurrentQueue<string> CallQueue { get; } = new();

        public List<string> Calls => [.. CallQueue];

        public List<string> Methods { get; } = [];

        public List<bool> SynchronousSources { get; } = [];

        public Task<TResult> InvokeAsync<TArguments, TResult>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
            where TArguments : struct, IOffloadArguments
        {
            Record("InvokeAsync<TArguments, TResult>", method);
            return inner.InvokeAsync<TArguments, TResult>(method, arguments, progress, cancellationToken);
        }

        public Task InvokeAsync<TArguments>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
            where TArguments : struct, IOffloadArguments
        {
            Record("InvokeAsync<TArguments>", method);
            return inner.InvokeAsync(method, arguments, progress, cancellationToken);
        }

        public IAsyncEnumerable<TItem> StreamAsync<TArguments, TItem>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
            where TArguments : struct, IOffloadArguments
        {
            Record("StreamAsync", method);
            return inner.StreamAsync<TArguments, TItem>(method, arguments, progress, cancellationToken);
        }

        public IAsyncEnumerable<TResult> MapAsync<TItem, TArguments, TResult>(MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken)
            where TArguments : struct, IOffloadArguments
        {
            Record("MapAsync", batchMethod, source.Items is not null);
            return inner.MapAsync<TItem, TArguments, TResult>(batchMethod, source, toArguments, options, cancellationToken);
        }

        public IAsyncEnumerable<MapResult<TResult>> MapUnorderedAsync<TItem, TArguments, TResult>(MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken)
            where TArguments : struct, IOffloadArguments
        {
            Record("MapUnorderedAsync", batchMethod, source.Items is not null);
            return inner.MapUnorderedAsync<TItem, TArguments, TResult>(batchMethod, source, toArguments, options, cancellationToken);
        }

        public Task ForEachAsync<TItem, TArguments>(MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken)
            where TArguments : struct, IOffloadArguments
        {
            Record("ForEachAsync", batchMethod, source.Items is not null);
            return inner.ForEachAsync(batchMethod, source, toArguments, options, cancellationToken);
        }

        private void Record(string call, MethodDescriptor method, bool? synchronous = null)
        {
            CallQueue.Enqueue(call);
            lock (Methods)
            {
                Methods.Add(method.DisplayName);
                if (synchronous is { } value)
                {
                    SynchronousSources.Add(value);
                }
            }
        }
    }
}
