namespace Offload;

/// <summary>
/// Settings of one map (the generated <c>MapAsync</c>, <c>MapUnorderedAsync</c> and <c>ForEachAsync</c> companions).
/// Every setting has an automatic default; none needs tuning for the map to be fast.
/// </summary>
/// <remarks>
/// A map sends its items to the workers in chunks: one chunk is one call, which runs the method for each of its items
/// in turn. Small chunks spread the work evenly and return the first results early; large chunks spend less time per
/// item on messages. Automatic sizing starts with a chunk of one item and grows chunks geometrically, from the time
/// the workers report per item, until a chunk takes about <see cref="TargetChunkDuration"/> to run (and stays well
/// below the method's timeout and the pool's <see cref="WorkerPoolOptions.MaxFrameBytes"/>).
/// </remarks>
public sealed class MapOptions
{
    /// <summary>
    /// Items per chunk, or <see langword="null"/> (the default) to size chunks automatically. A fixed size is kept
    /// unless a chunk would not fit in one frame (<see cref="WorkerPoolOptions.MaxFrameBytes"/>); it is also used as is
    /// against a method's timeout, which applies to a whole chunk.
    /// </summary>
    public int? ChunkSize { get; init; }

    /// <summary>
    /// The most chunks sent and not yet consumed, or <see langword="null"/> (the default) for the pool's
    /// <see cref="WorkerPool.WorkerCount"/> × (<see cref="WorkerPoolOptions.Prefetch"/> + 2): every worker busy, one
    /// chunk sent ahead of it, and one more ready. This bounds the map's memory: the input is read only when a chunk is
    /// about to be sent, so an endless input is read at most this many chunks ahead of the consumer. Chunks take no
    /// <see cref="WorkerPoolOptions.MaxQueuedCalls"/> slot: a map bounds itself.
    /// </summary>
    public int? MaxChunksInFlight { get; init; }

    /// <summary>
    /// How long automatic sizing aims for one chunk to run in its worker. Default 2 ms: long enough that messages cost
    /// little per item, short enough that the work spreads evenly and results flow steadily. Ignored when
    /// <see cref="ChunkSize"/> is set.
    /// </summary>
    public TimeSpan TargetChunkDuration { get; init; } = TimeSpan.FromMilliseconds(2);

    internal void Validate()
    {
        if (ChunkSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "A chunk holds at least one item (or null for automatic sizing).");
        }

        if (MaxChunksInFlight is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxChunksInFlight), MaxChunksInFlight, "At least one chunk must be allowed in flight (or null for automatic).");
        }

        if (TargetChunkDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TargetChunkDuration), TargetChunkDuration, "The target chunk duration must be positive.");
        }
    }
}
