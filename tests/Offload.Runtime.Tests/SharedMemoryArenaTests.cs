using Offload.Transport.SharedMemory;

namespace Offload.Runtime.Tests;

/// <summary>The owner's side of shared memory: regions made on demand, private to the user, reused, capped, deleted.</summary>
public sealed class SharedMemoryArenaTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("offload-shm-").FullName;

    [Fact]
    public void A_region_is_a_file_only_the_user_can_open_sized_in_quarter_steps()
    {
        using var arena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 64L << 20);
        var region = arena.Rent((1 << 20) + 40)!;

        Assert.Equal((1 << 20) + (256 * 1024), region.Capacity);
        var path = SharedMemoryArena.PathOf(_directory, "p-", region.Index);
        Assert.Equal(region.Capacity, new FileInfo(path).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal(20 << 20, SharedMemoryArena.CapacityFor((16 << 20) + 40));
        region.EndUse();
    }

    [Fact]
    public void A_region_whose_last_use_ended_is_reused_and_one_still_in_use_is_not()
    {
        using var arena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 64L << 20);
        var first = arena.Rent(300_000)!;
        first.AddUse(); // lent to a peer
        first.EndUse(); // the frame was disposed: the peer still holds it

        var second = arena.Rent(300_000)!;
        Assert.NotSame(first, second);

        first.EndUse(); // the peer released it
        var third = arena.Rent(200_000)!;
        Assert.Same(first, third);
        Assert.Equal(2, arena.RegionCount);
        second.EndUse();
        third.EndUse();
    }

    [Fact]
    public void Past_its_limit_an_arena_gives_no_region_and_the_frame_uses_the_socket()
    {
        using var arena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 3L << 19);
        var held = arena.Rent(1 << 20)!;

        Assert.Null(arena.Rent(1 << 20));
        Assert.Null(arena.Rent(3L << 20));
        Assert.Equal(held.Capacity, arena.MappedBytes);
        held.EndUse();
    }

    [Fact]
    public void Disposing_the_arena_deletes_every_region_file()
    {
        var arena = new SharedMemoryArena(_directory, "w3-", 64 * 1024, 64L << 20);
        var free = arena.Rent(100_000)!;
        var busy = arena.Rent(100_000)!;
        free.EndUse();

        arena.Dispose();

        Assert.Empty(Directory.GetFiles(_directory));
        Assert.Null(arena.Rent(100_000));
        busy.EndUse(); // unmapped now, not returned
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
