using System.Diagnostics;
using Xunit.Abstractions;

namespace Offload.Runtime.Tests;

/// <summary>The generated map companions (MapAsync, MapUnorderedAsync, ForEachAsync) against real workers.</summary>
[Collection(SharedPoolCollection.Name)]
public sealed class MapTests(PoolFixture fixture, ITestOutputHelper output)
{
    private readonly WorkerPool _pool = fixture.Pool;

    [Fact]
    public async Task An_ordered_map_of_100k_items_yields_every_result_in_input_order()
    {
        var expected = 0;
        await foreach (var square in MapWorkloads.SquareMapAsync(Enumerable.Range(0, 100_000), pool: _pool))
        {
            Assert.Equal(expected * expected, square);
            expected++;
        }

        Assert.Equal(100_000, expected);
    }

    [Fact]
    public async Task An_unordered_map_yields_every_index_exactly_once()
    {
        var seen = new bool[100_000];
        await foreach (var result in MapWorkloads.SquareMapUnorderedAsync(Enumerable.Range(0, seen.Length), pool: _pool))
        {
            Assert.False(seen[result.Index], $"index {result.Index} came twice");
            seen[result.Index] = true;
            Assert.Equal((int)(result.Index * result.Index), result.Value);
        }

        Assert.All(seen, Assert.True);
    }

    [Fact]
    public async Task A_method_with_several_parameters_maps_over_tuples()
    {
        var items = Enumerable.Range(0, 20_000).Select(i => ((long)i, i % 7, new string('x', i % 5)));

        var results = await ToListAsync(MapWorkloads.MultiplyMapAsync(items, pool: _pool));

        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => ((long)i * (i % 7)) + (i % 5)), results);
    }

    [Fact]
    public async Task Items_of_an_asynchronous_input_whose_type_keeps_references_share_their_chunk()
    {
        static async IAsyncEnumerable<Node> Rings()
        {
            for (var i = 1; i <= 20; i++)
            {
                await Task.Yield();
                var head = new Node();
                var tail = head;
                for (var j = 1; j < i; j++)
                {
                    tail = tail.Next = new Node();
                }

                tail.Next = head;
                yield return head;
            }
        }

        // Several items per chunk, each written by its own writer over the chunk's one serializer state.
        var results = await ToListAsync(MapWorkloads.RingLengthMapAsync(Rings(), new MapOptions { ChunkSize = 4 }, _pool));

        Assert.Equal(Enumerable.Range(1, 20), results);
    }

    [Fact]
    public async Task An_asynchronous_input_and_an_asynchronous_method_map_in_order()
    {
        static async IAsyncEnumerable<int> Trickle()
        {
            for (var i = 0; i < 3_000; i++)
            {
                if (i % 500 == 0)
                {
                    // The input has nothing ready for a moment: what was read so far goes out meanwhile.
                    await Task.Delay(5);
                }

                yield return i;
            }
        }

        var results = await ToListAsync(MapWorkloads.DescribeMapAsync(Trickle(), pool: _pool));

        Assert.Equal(Enumerable.Range(0, 3_000).Select(i => "#" + i), results);
    }

    [Fact]
    public async Task An_endless_input_is_read_only_a_bounded_amount_ahead_of_an_early_break()
    {
        var options = new MapOptions { ChunkSize = 10, MaxChunksInFlight = 2 };
        var source = new CountingSource();
        var taken = 0;
        await foreach (var square in MapWorkloads.SquareMapAsync(source, options, _pool))
        {
            Assert.Equal(taken * taken, square);
            if (++taken == 25)
            {
                break;
            }
        }

        // The chunk being consumed and at most one more: never more than MaxChunksInFlight + 1 chunks past what was taken.
        var read = source.Read;
        Assert.InRange(read, 25, 25 + ((2 + 1) * 10));
        Assert.True(source.Disposed);
        await Task.Delay(100);
        Assert.Equal(read, source.Read);

        // Automatic sizing is bounded too (by its largest chunk), and the pool serves on.
        var automatic = new CountingSource();
        await foreach (var square in MapWorkloads.SquareMapUnorderedAsync(automatic, pool: _pool))
        {
            if (++taken == 100_000)
            {
                break;
            }
        }

        var window = _pool.WorkerCount * 3;
        Assert.InRange(automatic.Read, 100_000 - 25, 100_000 + ((window + 1) * 65_536L));
        Assert.Equal(9, await MapWorkloads.SquareAsync(_pool, 3));
    }

    [Fact]
    public async Task Canceling_a_map_throws_OperationCanceledException_and_frees_the_workers()
    {
        using var cancellation = new CancellationTokenSource();
        var received = 0;
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var x in MapWorkloads.SlowMapAsync(Enumerable.Range(0, 100_000).Select(i => (i, 2)), pool: _pool, cancellationToken: cancellation.Token))
            {
                Assert.Equal(received, x);
                if (++received == 50)
                {
                    cancellation.Cancel();
                }
            }
        });

        Assert.InRange(received, 50, 50 + 2_000);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));

        // The running chunks stopped at their next item: the workers answer at once.
        var ping = Stopwatch.StartNew();
        Assert.Equal(16, await MapWorkloads.SquareAsync(_pool, 4));
        // Well under the 5 s cancellation grace period, after which a worker still running a canceled chunk is killed.
        Assert.True(ping.Elapsed < TimeSpan.FromSeconds(3), $"the pool took {ping.Elapsed} to answer after the cancel");
    }

    [Fact]
    public async Task An_item_that_throws_ends_the_map_after_every_earlier_result_with_its_index()
    {
        var results = new List<int>();
        var error = await Assert.ThrowsAsync<MapItemException>(async () =>
        {
            await foreach (var x in MapWorkloads.FailAtMapAsync(Enumerable.Range(0, 20_000).Select(i => (i, 12_345)), pool: _pool))
            {
                results.Add(x);
            }
        });

        Assert.Equal(12_345, error.Index);
        Assert.Equal(Enumerable.Range(0, 12_345), results);
        var remote = Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal("item 12345 is bad", remote.Message);
        Assert.Contains("Item 12345", error.Message);
        Assert.Equal("MapWorkloads.FailAt(int, int)", error.MethodName);

        // Unordered: the same item is named.
        var unordered = await Assert.ThrowsAsync<MapItemException>(async () =>
        {
            await foreach (var _ in MapWorkloads.FailAtMapUnorderedAsync(Enumerable.Range(0, 20_000).Select(i => (i, 777)), pool: _pool))
            {
            }
        });
        Assert.Equal(777, unordered.Index);
    }

    [Fact]
    public async Task An_input_that_throws_ends_the_map_after_the_results_of_what_it_yielded()
    {
        static IEnumerable<int> Broken()
        {
            for (var i = 0; i < 1_000; i++)
            {
                yield return i;
            }

            throw new FormatException("the input is broken");
        }

        var results = new List<int>();
        var error = await Assert.ThrowsAsync<FormatException>(async () =>
        {
            await foreach (var x in MapWorkloads.SquareMapAsync(Broken(), pool: _pool))
            {
                results.Add(x);
            }
        });

        Assert.Equal("the input is broken", error.Message);
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => i * i), results);
    }

    [Fact]
    public async Task ForEach_runs_every_item_of_a_void_method_and_reports_a_failing_item()
    {
        var directory = Directory.CreateTempSubdirectory("offload-map-").FullName;
        try
        {
            await MapWorkloads.TouchForEachAsync(Enumerable.Range(0, 2_000).Select(i => (directory, i)), pool: _pool);
            Assert.Equal(2_000, Directory.GetFiles(directory).Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        await MapWorkloads.CheckForEachAsync(Enumerable.Range(0, 500).Select(i => (i, -1)), pool: _pool);
        var error = await Assert.ThrowsAsync<MapItemException>(() => MapWorkloads.CheckForEachAsync(Enumerable.Range(0, 500).Select(i => (i, 321)), pool: _pool));
        Assert.Equal(321, error.Index);
        Assert.IsType<ArgumentException>(error.InnerException);
    }

    [Fact]
    public async Task One_chunk_in_flight_still_maps_everything_in_order()
    {
        var results = await ToListAsync(MapWorkloads.SquareMapAsync(Enumerable.Range(0, 10_000), new MapOptions { MaxChunksInFlight = 1 }, _pool));
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => i * i), results);

        var fixedSize = await ToListAsync(MapWorkloads.SquareMapAsync(Enumerable.Range(0, 1_001), new MapOptions { ChunkSize = 100, MaxChunksInFlight = 1 }, _pool));
        Assert.Equal(Enumerable.Range(0, 1_001).Select(i => i * i), fixedSize);
    }

    [Fact]
    public async Task Wrong_arguments_fail_at_the_call()
    {
        Assert.Throws<ArgumentNullException>("source", () => MapWorkloads.SquareMapAsync((IEnumerable<int>)null!, pool: _pool));
        Assert.Throws<ArgumentOutOfRangeException>("ChunkSize", () => MapWorkloads.SquareMapAsync([1], new MapOptions { ChunkSize = 0 }, _pool));
        Assert.Throws<ArgumentOutOfRangeException>("MaxChunksInFlight", () => MapWorkloads.SquareMapAsync([1], new MapOptions { MaxChunksInFlight = 0 }, _pool));
        // ForEachAsync checks before it returns its task, too.
        Assert.Throws<ArgumentOutOfRangeException>("TargetChunkDuration", () => { _ = MapWorkloads.TouchForEachAsync([("x", 1)], new MapOptions { TargetChunkDuration = TimeSpan.Zero }, _pool); });

        // An empty input is not an error.
        Assert.Empty(await ToListAsync(MapWorkloads.SquareMapAsync([], pool: _pool)));
    }

    [Fact]
    public async Task A_million_trivial_items()
    {
        // Printed, not asserted: the benchmark measures this properly.
        var clock = Stopwatch.StartNew();
        long sum = 0;
        await foreach (var square in MapWorkloads.SquareMapAsync(Enumerable.Range(0, 1_000_000), pool: _pool))
        {
            sum += square;
        }

        clock.Stop();
        Assert.Equal(Enumerable.Range(0, 1_000_000).Sum(i => (long)(i * i)), sum);
        output.WriteLine($"1,000,000 items in {clock.Elapsed.TotalMilliseconds:0} ms: {1_000_000 / clock.Elapsed.TotalSeconds:N0} items/s ({_pool.WorkerCount} workers, {Environment.ProcessorCount} cores)");
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

    /// <summary>An endless input that counts how far it was read and whether it was let go.</summary>
    private sealed class CountingSource : IEnumerable<int>
    {
        private int _read;

        public int Read => Volatile.Read(ref _read);

        public bool Disposed { get; private set; }

        public IEnumerator<int> GetEnumerator()
        {
            try
            {
                while (true)
                {
                    yield return Interlocked.Increment(ref _read) - 1;
                }
            }
            finally
            {
                Disposed = true;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
