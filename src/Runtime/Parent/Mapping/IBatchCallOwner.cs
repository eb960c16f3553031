namespace Offload.Parent;

/// <summary>Told when a chunk of its map completes, whichever way: the map runner.</summary>
internal interface IBatchCallOwner<TResult>
{
    /// <summary>
    /// <paramref name="chunk"/> has its outcome (<see cref="PendingBatchCall{TResult}.IsSettled"/>). Called once per
    /// chunk, on whatever thread completed it (a channel's read loop, a cancellation callback), so it must not block.
    /// </summary>
    void OnChunkSettled(PendingBatchCall<TResult> chunk);
}
