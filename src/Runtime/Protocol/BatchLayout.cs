namespace Offload.Protocol;

/// <summary>
/// How a map chunk travels: as an ordinary <see cref="FrameKind.Call"/> for the method's batch id, answered by an
/// ordinary <see cref="FrameKind.Result"/>, so that the channel, the pool's queue, retries and timeouts treat a chunk
/// exactly like a call. Only the bodies differ, and only the batch invoker and the map runner read them.
/// </summary>
/// <remarks>
/// Call body: method id (8 bytes), the trace context when the frame is flagged so (<see cref="CallFrameFlags.TraceContext"/>:
/// then the offsets below move by its size), item count (int32), then each item's arguments as its arguments struct writes them.
/// Result body: a count n (int32), the time the worker spent on the chunk in nanoseconds (int64, what automatic chunk
/// sizing learns from), then the first n items' results (nothing for a method without a result): for a result type
/// that holds no references, each as its raw bytes, as MemoryPack writes arrays of such types, so that the parent reads
/// them with one copy; for any other type, each encoded with MemoryPack. When n is less than the chunk's count, item n threw and the chunk stopped there: its
/// <see cref="RemoteError"/> follows the results. Items before a failure thus still come back, and the map yields them
/// before it reports the failure. All little-endian. A chunk canceled or broken as a whole is answered like any call.
/// </remarks>
internal static class BatchLayout
{
    /// <summary>Where a chunk's item count sits in its call frame, from the frame's start (without a trace context).</summary>
    public const int CallCountOffset = FrameHeader.Size + ProtocolConstants.MethodIdSize;

    /// <summary>Where a chunk's first item starts in its call frame.</summary>
    public const int CallItemsOffset = CallCountOffset + sizeof(int);

    /// <summary>Where the item count sits in a chunk's result frame.</summary>
    public const int ResultCountOffset = FrameHeader.Size;

    /// <summary>Bytes before the first result in a chunk's result body: the count and the worker's time.</summary>
    public const int ResultPrefixSize = sizeof(int) + sizeof(long);
}
