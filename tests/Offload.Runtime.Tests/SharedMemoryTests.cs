using System.Reflection;
using Offload.Parent;
using Offload.Transport;

namespace Offload.Runtime.Tests;

/// <summary>
/// Large frames through shared memory (<see cref="WorkerPoolOptions.UseSharedMemory"/>), on real worker processes:
/// payloads arrive intact, regions are lent, released and reused, their files live in a private directory that goes
/// with the pool, frames that do not fit use the socket, and a worker that dies or lies about its regions costs only
/// its call.
/// </summary>
public sealed class SharedMemoryTests
{
    private const int Mebibyte = 1024 * 1024;
    private const int Kibibyte = 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly FieldInfo ChannelField = typeof(WorkerHandle).GetField("_channel", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("WorkerHandle has no _channel field any more: update SharedMemoryTests.");

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Large_arrays_round_trip_exactly_through_region_files_in_a_private_directory_that_goes_with_the_pool()
    {
        var pool = await StartAsync(new WorkerPoolOptions { WorkerCount = 1 });
        string directory;
        try
        {
            var bytes = SharedMemoryWorkloads.Pattern(2 * Mebibyte, 1);
            var floats = Enumerable.Range(0, Mebibyte / 2).Select(i => i * 0.5f - 7.25f).ToArray();
            var doubles = Enumerable.Range(0, Mebibyte / 4).Select(i => Math.Sqrt(i) - 1e9).ToArray();
            var ints = Enumerable.Range(0, Mebibyte / 2).Select(i => i * -31).ToArray();

            Assert.Equal(bytes, await SharedMemoryWorkloads.EchoBytesAsync(pool, bytes).WaitAsync(Timeout));
            Assert.Equal(floats, await SharedMemoryWorkloads.EchoFloatsAsync(pool, floats).WaitAsync(Timeout));
            Assert.Equal(doubles, await SharedMemoryWorkloads.EchoDoublesAsync(pool, doubles).WaitAsync(Timeout));
            Assert.Equal(ints, await SharedMemoryWorkloads.EchoIntsAsync(pool, ints).WaitAsync(Timeout));

            directory = pool.Endpoint.SharedMemory!.Settings.Directory;
            if (Directory.Exists("/dev/shm"))
            {
                Assert.StartsWith("/dev/shm/offload-", directory, StringComparison.Ordinal);
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
            var worker = pool.Workers.Single().Id;
            var parentFiles = Directory.GetFiles(directory, "p-*");
            var workerFiles = Directory.GetFiles(directory, $"w{worker}-*");
            Assert.NotEmpty(parentFiles);
            Assert.NotEmpty(workerFiles);
            Assert.Equal(parentFiles.Length + workerFiles.Length, Directory.GetFiles(directory).Length);
            Assert.All(parentFiles.Concat(workerFiles), file => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)));
            Assert.Equal(parentFiles.Length, pool.Endpoint.SharedMemory.Arena.RegionCount);

            // Every region went back to its owner: the parent released the worker's results, the worker the arguments.
            await WaitUntilAsync(async () => await SharedMemoryWorkloads.LentByWorkerAsync(pool) == 0);
            await TestHelpers.WaitUntilAsync(() => LentToWorkers(pool) == 0);
            Assert.Equal(0, pool.Statistics.WorkerCrashes);
        }
        finally
        {
            await pool.DisposeAsync();
        }

        Assert.False(Directory.Exists(directory), $"{directory} outlived its pool");
    }

    [Fact]
    public async Task Without_shared_memory_large_arrays_cross_the_socket_and_the_pool_makes_no_directory()
    {
        await using var pool = await StartAsync(new WorkerPoolOptions { WorkerCount = 1, UseSharedMemory = false });
        var bytes = SharedMemoryWorkloads.Pattern(2 * Mebibyte, 2);

        Assert.Equal(bytes, await SharedMemoryWorkloads.EchoBytesAsync(pool, bytes).WaitAsync(Timeout));
        Assert.Null(pool.Endpoint.SharedMemory);
        Assert.Null(pool.SharedArena);
    }

    [Fact]
    public async Task An_argument_over_the_parents_share_crosses_the_socket_and_creates_no_region()
    {
        // The smallest limit for one worker: 4 × 64 KiB × 2 = 512 KiB, so the parent may map 256 KiB.
        var options = new WorkerPoolOptions { WorkerCount = 1, SharedMemoryThreshold = 64 * Kibibyte, SharedMemoryLimit = 512 * Kibibyte };
        await using var pool = await StartAsync(options);
        var shared = pool.Endpoint.SharedMemory!;
        Assert.Equal(256 * Kibibyte, shared.Settings.ParentLimit);

        var bytes = SharedMemoryWorkloads.Pattern(300 * Kibibyte, 3);
        Assert.Equal(bytes, await SharedMemoryWorkloads.EchoBytesAsync(pool, bytes).WaitAsync(Timeout));
        Assert.Equal(0, shared.Arena.RegionCount);
        Assert.Equal(0, shared.Arena.MappedBytes);
        Assert.Empty(Directory.GetFiles(shared.Settings.Directory, "p-*"));
    }

    [Fact]
    public async Task A_result_over_what_the_workers_share_leaves_crosses_the_socket_intact()
    {
        // One worker, a 64 KiB threshold and the smallest limit: the worker may map 256 KiB of results.
        var options = new WorkerPoolOptions { WorkerCount = 1, SharedMemoryThreshold = 64 * Kibibyte, SharedMemoryLimit = 512 * Kibibyte };
        await using var pool = await StartAsync(options);
        var directory = pool.Endpoint.SharedMemory!.Settings.Directory;
        var worker = $"w{pool.Workers.Single().Id}-*";

        // 100 KiB takes a 128 KiB region; 200 KiB would need 256 KiB more, over the share; the first fits again.
        Assert.Equal(SharedMemoryWorkloads.Pattern(100 * Kibibyte, 4), await SharedMemoryWorkloads.ProduceAsync(pool, 100 * Kibibyte, 4).WaitAsync(Timeout));
        Assert.Single(Directory.GetFiles(directory, worker));
        Assert.Equal(SharedMemoryWorkloads.Pattern(200 * Kibibyte, 5), await SharedMemoryWorkloads.ProduceAsync(pool, 200 * Kibibyte, 5).WaitAsync(Timeout));
        Assert.Equal(SharedMemoryWorkloads.Pattern(600 * Kibibyte, 6), await SharedMemoryWorkloads.ProduceAsync(pool, 600 * Kibibyte, 6).WaitAsync(Timeout));
        Assert.Equal(SharedMemoryWorkloads.Pattern(100 * Kibibyte, 7), await SharedMemoryWorkloads.ProduceAsync(pool, 100 * Kibibyte, 7).WaitAsync(Timeout));
        Assert.Single(Directory.GetFiles(directory, worker));
    }

    [Fact]
    public async Task Many_concurrent_large_calls_are_all_correct_and_their_regions_are_released_and_reused()
    {
        await using var pool = await StartAsync(new WorkerPoolOptions { WorkerCount = 2 });
        var arena = pool.Endpoint.SharedMemory!.Arena;
        var random = new Random(40);
        var payloads = Enumerable.Range(0, 40).Select(i => SharedMemoryWorkloads.Pattern(random.Next(300 * Kibibyte, Mebibyte), 100 + i)).ToArray();
        var gate = Path.Combine(Path.GetTempPath(), $"offload-gate-{Guid.NewGuid():N}");
        try
        {
            // Held at a gate until every call's frame is written, so that the first batch makes one region per call.
            var first = payloads.Select(p => SharedMemoryWorkloads.EchoWhenOpenAsync(pool, p, gate)).ToArray();
            await TestHelpers.WaitUntilAsync(() => arena.RegionCount == payloads.Length);
            File.WriteAllBytes(gate, []);
            var echoed = await Task.WhenAll(first).WaitAsync(Timeout);
            for (var i = 0; i < payloads.Length; i++)
            {
                Assert.Equal(payloads[i], echoed[i]);
            }

            // Every region comes back once its worker released it; a second batch of the same sizes, not held back,
            // then finds a free region for each call and makes none.
            await TestHelpers.WaitUntilAsync(() => LentToWorkers(pool) == 0);
            var mapped = arena.MappedBytes;
            var second = await Task.WhenAll(payloads.Reverse().Select(p => SharedMemoryWorkloads.EchoWhenOpenAsync(pool, p, gate))).WaitAsync(Timeout);
            Assert.Equal(payloads.Reverse(), second);
            Assert.Equal(payloads.Length, arena.RegionCount);
            Assert.Equal(mapped, arena.MappedBytes);
            await TestHelpers.WaitUntilAsync(() => LentToWorkers(pool) == 0);
            Assert.Equal(0, pool.Statistics.WorkerCrashes);
        }
        finally
        {
            File.Delete(gate);
        }
    }

    [Fact]
    public async Task A_worker_killed_holding_a_region_fails_its_call_and_its_files_are_deleted_and_the_region_reused()
    {
        await using var pool = await StartAsync(new WorkerPoolOptions { WorkerCount = 1, WorkerOutput = _ => { } });
        var shared = pool.Endpoint.SharedMemory!;
        var bytes = SharedMemoryWorkloads.Pattern(Mebibyte, 8);

        // The worker makes a region of its own (the result), and gives the parent's back.
        Assert.Equal(bytes, await SharedMemoryWorkloads.EchoBytesAsync(pool, bytes).WaitAsync(Timeout));
        var dead = pool.Workers.Single().Id;
        Assert.NotEmpty(Directory.GetFiles(shared.Settings.Directory, $"w{dead}-*"));
        await TestHelpers.WaitUntilAsync(() => LentToWorkers(pool) == 0);
        Assert.Equal(1, shared.Arena.RegionCount);

        var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => SharedMemoryWorkloads.DieHoldingAsync(pool, bytes).WaitAsync(Timeout));
        Assert.Equal(dead, error.WorkerId);

        // Nothing of the dead worker's runs any more: the parent deletes its files, and takes back the region it held.
        await TestHelpers.WaitUntilAsync(() => Directory.GetFiles(shared.Settings.Directory, $"w{dead}-*").Length == 0);
        Assert.Equal(bytes, await SharedMemoryWorkloads.EchoBytesAsync(pool, bytes).WaitAsync(Timeout));
        Assert.NotEqual(dead, pool.Workers.Single().Id);
        Assert.Equal(1, shared.Arena.RegionCount);
    }

    [Fact]
    public async Task A_retried_call_sends_the_same_region_to_the_second_worker_and_it_is_reused_once_both_let_go()
    {
        await using var pool = await StartAsync(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } });
        var arena = pool.Endpoint.SharedMemory!.Arena;
        var bytes = SharedMemoryWorkloads.Pattern(Mebibyte, 9);
        var marker = Path.Combine(Path.GetTempPath(), $"offload-retry-{Guid.NewGuid():N}");
        var seen = Handles(pool);
        try
        {
            Assert.Equal(SharedMemoryWorkloads.Hash(bytes), await SharedMemoryWorkloads.HashUnlessFirstAsync(pool, bytes, marker).WaitAsync(Timeout));
            Assert.Equal(1, pool.Statistics.CallsRetried);
            Assert.Equal(1, arena.RegionCount);

            // Lent twice, to the worker that died and to the one that answered: free again only once both let go.
            await RegionsBackAsync(pool, seen);
            Assert.Equal(SharedMemoryWorkloads.Hash(bytes), await SharedMemoryWorkloads.HashUnlessFirstAsync(pool, bytes, marker).WaitAsync(Timeout));
            Assert.Equal(1, arena.RegionCount);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task A_stream_and_a_map_of_large_items_arrive_correct_and_in_order()
    {
        await using var pool = await StartAsync(new WorkerPoolOptions { WorkerCount = 2 });
        var shared = pool.Endpoint.SharedMemory!;

        // A stream's items are the worker's frames: they lie in its regions.
        var streamed = new List<byte[]>();
        await foreach (var item in SharedMemoryWorkloads.ProduceManyAsync(pool, 10, 512 * Kibibyte).WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            streamed.Add(item);
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => SharedMemoryWorkloads.Pattern(512 * Kibibyte, i)), streamed);
        Assert.NotEmpty(Directory.GetFiles(shared.Settings.Directory, "w*"));
        Assert.Equal(0, shared.Arena.RegionCount);

        // A map's chunks of large items lie in the parent's regions, their results in the workers'.
        var random = new Random(30);
        var items = Enumerable.Range(0, 30).Select(i => SharedMemoryWorkloads.Pattern(random.Next(200 * Kibibyte, 400 * Kibibyte), 200 + i)).ToArray();
        var mapped = new List<byte[]>();
        await foreach (var result in SharedMemoryWorkloads.InvertMapAsync(items, pool: pool).WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            mapped.Add(result);
        }

        Assert.Equal(items.Select(item => item.Select(b => (byte)~b).ToArray()), mapped);
        Assert.True(shared.Arena.RegionCount > 0, "the map's chunks did not use shared memory");
        Assert.Equal(0, pool.Statistics.WorkerCrashes);
    }

    [Theory]
    [InlineData("missing region", "Shared-memory region w{0}-4242 could not be mapped")]
    [InlineData("length over the region", "does not fit its region")]
    [InlineData("release of a region never held", "The peer released shared-memory region 777, which it did not hold.")]
    public async Task A_worker_that_lies_about_shared_memory_fails_its_call_and_is_replaced(string attack, string cause)
    {
        await using var pool = await StartAsync(new WorkerPoolOptions { WorkerCount = 1, Prefetch = 0, WorkerOutput = _ => { } });
        var rogue = pool.Workers.Single().Id;

        var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => SharedMemoryWorkloads.SendRogueSharedFrameAsync(pool, attack).WaitAsync(Timeout));

        Assert.Equal(rogue, error.WorkerId);
        var at = error.Message.IndexOf("protocol error: ", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no protocol error in: {error.Message}");
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, cause, rogue), error.Message[at..], StringComparison.Ordinal);

        var bytes = SharedMemoryWorkloads.Pattern(Mebibyte, 10);
        Assert.Equal(bytes, await SharedMemoryWorkloads.EchoBytesAsync(pool, bytes).WaitAsync(Timeout));
        Assert.NotEqual(rogue, pool.Workers.Single().Id);
    }

    /// <summary>A started pool (shared memory is set up as it starts, so only calls made after it use it).</summary>
    private static async Task<WorkerPool> StartAsync(WorkerPoolOptions options)
    {
        var pool = new WorkerPool(options);
        try
        {
            await pool.StartAsync().WaitAsync(Timeout);
        }
        catch
        {
            await pool.DisposeAsync();
            throw;
        }

        return pool;
    }

    /// <summary>The pool's workers now, whatever their state.</summary>
    private static WorkerHandle[] Handles(WorkerPool pool)
    {
        lock (pool.Lock)
        {
            return pool.Roster.AllWorkersLocked();
        }
    }

    /// <summary>The parent's regions its workers hold now, over all their channels.</summary>
    private static int LentToWorkers(WorkerPool pool) =>
        Handles(pool).Sum(w => (ChannelField.GetValue(w) as FrameChannel)?.SharedMemory?.LentCount ?? 0);

    /// <summary>
    /// Waits until the parent has every region back: the workers in <paramref name="seen"/> that died have closed their
    /// channels (which gives back what they held; a call is settled before that), and the live ones released theirs.
    /// </summary>
    private static Task RegionsBackAsync(WorkerPool pool, WorkerHandle[] seen) =>
        TestHelpers.WaitUntilAsync(() => seen.All(h => h.Terminated.IsCompleted || Handles(pool).Contains(h)) && LentToWorkers(pool) == 0);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!await condition())
        {
            Assert.True(Environment.TickCount64 < deadline, $"condition not met in {timeoutMs} ms");
            await Task.Delay(20);
        }
    }
}
