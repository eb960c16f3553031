using System.Buffers;
using MemoryPack;
using Offload.Protocol;
using Offload.Transport.SharedMemory;

namespace Offload.Runtime.Tests;

/// <summary>A frame that grows past the arena's threshold moves into a region, byte for byte the frame it would have been.</summary>
public sealed class FrameBufferSharedMemoryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("offload-shm-").FullName;

    [Fact]
    public void A_large_frame_moves_into_a_region_and_holds_the_same_bytes()
    {
        using var arena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 64L << 20);
        var payload = new byte[1 << 20];
        Random.Shared.NextBytes(payload);

        using var plain = FrameBuffer.CreateCall(42);
        MemoryPackSerializer.Serialize(plain, payload);
        plain.Seal(FrameKind.Call, 7);
        using var shared = FrameBuffer.CreateCall(42, arena: arena);
        MemoryPackSerializer.Serialize(shared, payload);
        shared.Seal(FrameKind.Call, 7);

        Assert.Null(plain.Region);
        Assert.NotNull(shared.Region);
        Assert.True(plain.WrittenSpan.SequenceEqual(shared.WrittenSpan));
    }

    [Fact]
    public void A_small_frame_stays_in_its_array()
    {
        using var arena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 64L << 20);
        using var frame = FrameBuffer.CreateMessage(new byte[1000], arena);

        Assert.Null(frame.Region);
        Assert.Equal(0, arena.RegionCount);
    }

    [Fact]
    public void A_frame_that_outgrows_its_region_moves_to_a_bigger_one_then_back_to_an_array_at_the_limit()
    {
        using var arena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 3L << 20);
        using var frame = FrameBuffer.Create(arena: arena);
        var chunk = new byte[256 * 1024];
        for (var i = 0; i < 16; i++)
        {
            chunk.AsSpan().Fill((byte)i);
            frame.Write(chunk);
            if (i == 1)
            {
                Assert.NotNull(frame.Region);
            }
        }

        // 4 MiB is over the 3 MiB limit: the frame finished in an array, whole.
        Assert.Null(frame.Region);
        Assert.Equal(FrameHeader.Size + (16 * chunk.Length), frame.Length);
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal((byte)i, frame.WrittenSpan[FrameHeader.Size + (i * chunk.Length) + 1000]);
        }
    }

    [Fact]
    public void Disposing_the_frame_gives_its_region_back()
    {
        using var arena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 64L << 20);
        var frame = FrameBuffer.CreateMessage(new byte[500_000], arena);
        var region = frame.Region!;

        frame.Dispose();

        Assert.Equal(0, region.Uses);
        using var next = FrameBuffer.CreateMessage(new byte[500_000], arena);
        Assert.Same(region, next.Region);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
