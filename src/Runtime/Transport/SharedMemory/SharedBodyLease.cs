namespace Offload.Transport.SharedMemory;

/// <summary>
/// A frame body in a peer's shared-memory region that a handler keeps beyond its <c>OnFrame</c> (a worker's call reads
/// its arguments straight from the region, on its executor, instead of copying them first). Disposing it tells the peer
/// the region is free; until then the peer does not reuse it.
/// </summary>
internal sealed class SharedBodyLease : IDisposable
{
    private readonly FrameChannel _channel;
    private SharedRegion? _region;

    internal SharedBodyLease(FrameChannel channel, SharedRegion region)
    {
        _channel = channel;
        _region = region;
        region.AddUse();
    }

    /// <summary>Releases the region to its owner, once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _region, null) is { } region)
        {
            region.EndUse();
            _channel.ReleasePeerRegion(region.Index);
        }
    }
}
