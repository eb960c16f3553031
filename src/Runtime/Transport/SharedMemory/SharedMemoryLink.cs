using Offload.Protocol;

namespace Offload.Transport.SharedMemory;

/// <summary>
/// One channel's view of shared memory: the arena its own large frames are written into, the peer's regions it has
/// mapped, and which of its own regions the peer still holds.
/// </summary>
/// <remarks>
/// <para>
/// Lifetime: a region is lent to the peer when its descriptor is written to the socket, and comes back when the peer
/// sends <see cref="FrameKind.SharedRelease"/>. A region is reused only once every peer it was sent to gave it back
/// (a call sent again to a second worker after the first died is lent twice) and its frame was disposed. When the
/// channel ends (the peer died, was killed, or closed), whatever the peer held comes back at once: it can no longer read.
/// </para>
/// <para>
/// A peer's regions are mapped read-only on first use and kept mapped until the channel ends, so a region that is
/// reused costs no page faults. They count against <see cref="PeerLimit"/>: a peer that names more than that is broken.
/// </para>
/// </remarks>
internal sealed class SharedMemoryLink : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, SharedRegion> _peerRegions = [];
    private readonly Dictionary<int, (SharedRegion Region, int Count)> _lent = [];
    private long _peerMapped;
    private readonly bool _ownsArena;
    private bool _disposed;

    /// <param name="arena">This side's arena (shared by all of a parent's channels); null if this side cannot write to shared memory.</param>
    /// <param name="directory">The pool's shared-memory directory.</param>
    /// <param name="peerPrefix">The file prefix of the peer's regions.</param>
    /// <param name="peerLimit">The most bytes of the peer's regions this side maps.</param>
    /// <param name="deletePeerFiles">Delete the peer's files when the channel ends (the parent, for a worker that may have died).</param>
    /// <param name="ownsArena">Dispose <paramref name="arena"/> with the link (a worker's; the parent's serves every worker).</param>
    public SharedMemoryLink(SharedMemoryArena? arena, string directory, string peerPrefix, long peerLimit, bool deletePeerFiles, bool ownsArena = false)
    {
        _ownsArena = ownsArena;
        Arena = arena;
        Directory = directory;
        PeerPrefix = peerPrefix;
        PeerLimit = peerLimit;
        DeletePeerFiles = deletePeerFiles;
    }

    /// <summary>A worker's link: its own regions (results) and the parent's (arguments).</summary>
    public static SharedMemoryLink ForWorker(SharedMemorySettings settings, int workerId) =>
        new(
            new SharedMemoryArena(settings.Directory, SharedMemorySettings.WorkerPrefix(workerId), settings.Threshold, settings.WorkerLimit),
            settings.Directory,
            SharedMemorySettings.ParentPrefix,
            settings.ParentLimit,
            deletePeerFiles: false,
            ownsArena: true);

    /// <summary>This side's arena, or null.</summary>
    public SharedMemoryArena? Arena { get; }

    /// <summary>The pool's shared-memory directory.</summary>
    public string Directory { get; }

    /// <summary>The peer's file prefix.</summary>
    public string PeerPrefix { get; }

    /// <summary>The most bytes of the peer's regions mapped here.</summary>
    public long PeerLimit { get; }

    /// <summary>Whether the peer's files are deleted when the channel ends.</summary>
    public bool DeletePeerFiles { get; }

    /// <summary>Regions of ours the peer holds now (tests).</summary>
    internal int LentCount
    {
        get
        {
            lock (_lock)
            {
                return _lent.Count;
            }
        }
    }

    /// <summary>The region's descriptor is being sent: the peer holds it until it releases it or the channel ends.</summary>
    public void Lend(SharedRegion region)
    {
        region.AddUse();
        lock (_lock)
        {
            if (!_disposed)
            {
                _lent[region.Index] = _lent.TryGetValue(region.Index, out var lent) ? (region, lent.Count + 1) : (region, 1);
                return;
            }
        }

        // The channel ended while the frame was written: the peer will never read it.
        region.EndUse();
    }

    /// <summary>The peer is done with region <paramref name="index"/> of ours.</summary>
    /// <exception cref="OffloadProtocolException">The peer did not hold that region.</exception>
    public void OnReleased(long index)
    {
        SharedRegion region;
        lock (_lock)
        {
            if (index is < 0 or > int.MaxValue || !_lent.TryGetValue((int)index, out var lent))
            {
                throw new OffloadProtocolException($"The peer released shared-memory region {index}, which it did not hold.");
            }

            region = lent.Region;
            if (lent.Count == 1)
            {
                _lent.Remove((int)index);
            }
            else
            {
                _lent[(int)index] = (region, lent.Count - 1);
            }
        }

        region.EndUse();
    }

    /// <summary>The peer's region <paramref name="index"/>, mapped on first use.</summary>
    /// <exception cref="OffloadProtocolException">The region cannot be opened, or would map more than <see cref="PeerLimit"/>.</exception>
    public SharedRegion OpenPeer(int index)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_peerRegions.TryGetValue(index, out var known))
            {
                return known;
            }

            SharedRegion region;
            try
            {
                region = SharedRegion.Open(SharedMemoryArena.PathOf(Directory, PeerPrefix, index), index);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new OffloadProtocolException($"Shared-memory region {PeerPrefix}{index} could not be mapped: {ex.Message}", ex);
            }

            if (_peerMapped + region.Capacity > PeerLimit)
            {
                region.Unmap();
                throw new OffloadProtocolException(
                    $"Shared-memory region {PeerPrefix}{index} ({region.Capacity} bytes) would map {_peerMapped + region.Capacity} bytes of the peer's, over the limit of {PeerLimit}.");
            }

            _peerMapped += region.Capacity;
            _peerRegions.Add(index, region);
            return region;
        }
    }

    /// <summary>Gives back what the peer held, unmaps the peer's regions, and deletes their files if asked to.</summary>
    public void Dispose()
    {
        (SharedRegion Region, int Count)[] lent;
        SharedRegion[] mapped;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            lent = [.. _lent.Values];
            mapped = [.. _peerRegions.Values];
            _lent.Clear();
            _peerRegions.Clear();
        }

        foreach (var (region, count) in lent)
        {
            for (var i = 0; i < count; i++)
            {
                region.EndUse();
            }
        }

        foreach (var region in mapped)
        {
            // A region whose body a handler kept (a worker's call still reading its arguments) stays mapped: unmapping
            // it under the reader would crash the process. The process's end unmaps it.
            if (region.Uses == 0)
            {
                region.Unmap();
            }
        }

        if (_ownsArena)
        {
            Arena?.Dispose();
        }

        if (DeletePeerFiles)
        {
            try
            {
                foreach (var file in System.IO.Directory.EnumerateFiles(Directory, PeerPrefix + "*"))
                {
                    SharedMemoryArena.TryDeleteFile(file);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The directory is gone already (the pool stopped): nothing left to delete.
            }
        }
    }
}
