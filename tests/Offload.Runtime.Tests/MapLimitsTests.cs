namespace Offload.Runtime.Tests;

/// <summary>Maps against the frame limit: chunks split where a frame would overflow, and an item too large alone fails.</summary>
public sealed class MapLimitsTests
{
    [Fact]
    public async Task Chunks_end_where_the_next_item_would_overflow_a_frame_and_that_item_starts_the_next_chunk()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, MaxFrameBytes = 64 * 1024 });
        var texts = Enumerable.Range(0, 400).Select(i => new string((char)('a' + (i % 26)), 1_000 + i)).ToArray();

        // A fixed size of 100 items of about 2 KB (UTF-16) each cannot fit in 64 KiB: every chunk is cut short.
        var fixedSize = await ToListAsync(MapWorkloads.LengthMapAsync(texts, new MapOptions { ChunkSize = 100 }, pool));
        Assert.Equal(texts.Select(t => t.Length), fixedSize);

        // The same over an asynchronous input, and with automatic sizing.
        var fromAsync = await ToListAsync(MapWorkloads.LengthMapAsync(ToAsync(texts), new MapOptions { ChunkSize = 100 }, pool));
        Assert.Equal(texts.Select(t => t.Length), fromAsync);
        var automatic = await ToListAsync(MapWorkloads.LengthMapAsync(texts, pool: pool));
        Assert.Equal(texts.Select(t => t.Length), automatic);
    }

    [Fact]
    public async Task An_item_too_large_for_a_frame_fails_the_map_with_PayloadTooLargeException_after_the_items_before_it()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxFrameBytes = 64 * 1024 });
        string[] texts = ["a", "bb", new string('x', 100_000), "dddd"];
        var results = new List<int>();

        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(async () =>
        {
            await foreach (var length in MapWorkloads.LengthMapAsync(texts, new MapOptions { ChunkSize = 10 }, pool))
            {
                results.Add(length);
            }
        });

        Assert.Equal([1, 2], results);
        Assert.Contains("item 2", error.Message);
        Assert.Equal(64 * 1024, error.MaxFrameBytes);
    }

    private static async IAsyncEnumerable<string> ToAsync(IEnumerable<string> items)
    {
        var i = 0;
        foreach (var item in items)
        {
            if (++i % 50 == 0)
            {
                await Task.Yield();
            }

            yield return item;
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
