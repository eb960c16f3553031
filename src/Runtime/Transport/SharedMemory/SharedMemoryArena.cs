using System.Globalization;
using System.Numerics;

namespace Offload.Transport.SharedMemory;

/// <summary>
/// The regions one process writes large frames into: files named <c>{prefix}{index}</c> in the pool's shared-memory
/// directory, created on demand, kept mapped and reused, up to <see cref="Limit"/> bytes in all. When a frame needs more
/// than the limit leaves, it is not put in shared memory at all but sent over the socket as any other frame.
/// </summary>
/// <remarks>
/// A region is never evicted while the arena lives: its peer keeps it mapped (so reuse costs no page faults), and
/// deleting the file would not give its memory back before the peer let go. The limit bounds what an arena can hold.
/// </remarks>
internal sealed class SharedMemoryArena : IDisposable
{
    /// <summary>The smallest step between region sizes; larger regions step by a quarter of their power of two.</summary>
    private const int MinimumGranularity = 64 * 1024;

    private readonly Lock _lock = new();
    private readonly List<SharedRegion> _free = [];
    private readonly List<SharedRegion> _all = [];
    private long _mapped;
    private int _nextIndex;
    private bool _disposed;
    private bool _failed;

    /// <param name="directory">The pool's shared-memory directory (mode 0700).</param>
    /// <param name="prefix">This process's file prefix: <c>p-</c> for the parent, <c>w{id}-</c> for a worker.</param>
    /// <param name="threshold">Frames larger than this go through shared memory.</param>
    /// <param name="limit">The most bytes of regions this arena may create.</param>
    public SharedMemoryArena(string directory, string prefix, int threshold, long limit)
    {
        Directory = directory;
        Prefix = prefix;
        Threshold = threshold;
        Limit = limit;
    }

    /// <summary>The pool's shared-memory directory.</summary>
    public string Directory { get; }

    /// <summary>The prefix of this arena's file names.</summary>
    public string Prefix { get; }

    /// <summary>Frames larger than this many bytes go through shared memory.</summary>
    public int Threshold { get; }

    /// <summary>The most bytes of regions this arena creates.</summary>
    public long Limit { get; }

    /// <summary>Bytes of regions created so far (mapped here, and by the peers they were sent to).</summary>
    public long MappedBytes => Volatile.Read(ref _mapped);

    /// <summary>Regions created so far.</summary>
    public int RegionCount
    {
        get
        {
            lock (_lock)
            {
                return _all.Count;
            }
        }
    }

    /// <summary>The file of region <paramref name="index"/> of the arena with <paramref name="prefix"/> in <paramref name="directory"/>.</summary>
    public static string PathOf(string directory, string prefix, int index) =>
        Path.Combine(directory, prefix + index.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// A free region of at least <paramref name="bytes"/>, with one use (the caller's); null when the arena cannot give
    /// one (over its limit, closed, or the system refused a file): the frame then goes over the socket.
    /// </summary>
    public SharedRegion? Rent(long bytes)
    {
        if (bytes > Array.MaxLength)
        {
            return null;
        }

        var capacity = CapacityFor(bytes);
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            // The smallest free region that fits; a much larger one only if no region of the right size may be made.
            SharedRegion? best = null;
            foreach (var region in _free)
            {
                if (region.Capacity >= bytes && (best is null || region.Capacity < best.Capacity))
                {
                    best = region;
                }
            }

            if (best is not null && (best.Capacity <= 2 * capacity || _failed || _mapped + capacity > Limit))
            {
                _free.Remove(best);
                best.Rent();
                return best;
            }

            if (_failed || _mapped + capacity > Limit)
            {
                return null;
            }

            var index = _nextIndex++;
            SharedRegion created;
            try
            {
                created = SharedRegion.Create(PathOf(Directory, Prefix, index), index, capacity, this);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // No room on the file system, no directory, no permission: large frames use the socket from now on.
                _failed = true;
                return null;
            }

            _all.Add(created);
            _mapped += capacity;
            created.Rent();
            return created;
        }
    }

    /// <summary>A region's last use ended: it is free for the next large frame (or deleted, if the arena is closed).</summary>
    internal void Return(SharedRegion region)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _free.Add(region);
                return;
            }
        }

        region.Unmap();
    }

    /// <summary>Unmaps every region and deletes their files; regions still in use are unmapped when their last use ends.</summary>
    public void Dispose()
    {
        SharedRegion[] free;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            free = [.. _free];
            _free.Clear();
        }

        foreach (var region in free)
        {
            region.Unmap();
        }

        foreach (var region in _all)
        {
            TryDeleteFile(PathOf(Directory, Prefix, region.Index));
        }
    }

    /// <summary>Deletes a region's file, if it is still there; never throws.</summary>
    internal static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The directory goes with the pool, and a stale one is swept by the next pool.
        }
    }

    /// <summary>Region sizes step by a quarter of their power of two (a 16 MiB frame gets 20 MiB, not 32).</summary>
    internal static int CapacityFor(long bytes)
    {
        var power = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(bytes, MinimumGranularity));
        var granularity = Math.Max(MinimumGranularity, power / 8);
        var capacity = (bytes + granularity - 1) / granularity * granularity;
        return (int)Math.Min(capacity, Array.MaxLength);
    }
}
