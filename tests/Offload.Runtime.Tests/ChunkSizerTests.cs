using Offload.Parent;

namespace Offload.Runtime.Tests;

/// <summary>Automatic chunk sizing, without workers: what size it picks from what chunks report.</summary>
public sealed class ChunkSizerTests
{
    private const int MaxFrame = 64 * 1024 * 1024;

    [Fact]
    public void Starts_at_one_item_and_doubles_until_a_chunk_comes_back()
    {
        var sizer = new ChunkSizer(null, TimeSpan.FromMilliseconds(2), MaxFrame);
        Assert.Equal([1, 2, 4, 8, 16], Enumerable.Range(0, 5).Select(_ => sizer.NextSize()));
    }

    [Fact]
    public void Aims_at_the_target_duration_growing_at_most_four_times_per_chunk_and_never_past_the_cap()
    {
        var sizer = new ChunkSizer(null, TimeSpan.FromMilliseconds(2), MaxFrame);
        Assert.Equal(1, sizer.NextSize());

        // 1 µs per item: 2,000 items make 2 ms, reached in steps of at most ×4.
        sizer.OnCompleted(1, 1_000, 4);
        Assert.Equal(4, sizer.NextSize());
        Assert.Equal(16, sizer.NextSize());
        Assert.Equal(64, sizer.NextSize());
        Assert.Equal(256, sizer.NextSize());
        Assert.Equal(1_024, sizer.NextSize());
        Assert.Equal(2_000, sizer.NextSize());
        Assert.Equal(2_000, sizer.NextSize());

        // Items get slower: the size follows at once (the average halves the distance each time).
        sizer.OnCompleted(2_000, 2_000 * 3_000L, 8_000);
        Assert.Equal(1_000, sizer.NextSize());

        // Trivial items: capped by the largest automatic chunk.
        var fast = new ChunkSizer(null, TimeSpan.FromMilliseconds(2), MaxFrame);
        fast.NextSize();
        fast.OnCompleted(1, 1, 4);
        var size = 0;
        for (var i = 0; i < 20; i++)
        {
            size = fast.NextSize();
        }

        Assert.Equal(ChunkSizer.MaxAutomaticItems, size);
    }

    [Fact]
    public void Keeps_a_chunk_within_its_byte_budget()
    {
        // A 64 KiB frame limit gives a 16 KiB budget; 1 KiB results allow 16 items per chunk.
        var sizer = new ChunkSizer(null, TimeSpan.FromSeconds(1), 64 * 1024);
        sizer.NextSize();
        sizer.OnCompleted(1, 10, 1_024);
        for (var i = 0; i < 10; i++)
        {
            Assert.InRange(sizer.NextSize(), 1, 16);
        }

        // Large arguments count too.
        var arguments = new ChunkSizer(null, TimeSpan.FromSeconds(1), 64 * 1024);
        arguments.NextSize();
        arguments.OnEncoded(1, 4_096);
        arguments.OnCompleted(1, 10, 4);
        Assert.InRange(arguments.NextSize(), 1, 4);
        Assert.Equal(4 * 4_096 * 1.125, arguments.ExpectedArgumentBytes(4));
    }

    [Fact]
    public void A_fixed_size_is_kept_whatever_chunks_report()
    {
        var sizer = new ChunkSizer(1_000, TimeSpan.FromMilliseconds(2), MaxFrame);
        sizer.OnCompleted(1_000, 10_000_000_000, 1_000_000);
        Assert.Equal([1_000, 1_000, 1_000], Enumerable.Range(0, 3).Select(_ => sizer.NextSize()));
    }
}
