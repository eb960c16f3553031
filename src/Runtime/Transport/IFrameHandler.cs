using System.Buffers;
using Offload.Protocol;

namespace Offload.Transport;

/// <summary>Receives the frames a <see cref="FrameChannel"/> reads, on its read loop, one at a time.</summary>
internal interface IFrameHandler
{
    /// <summary>
    /// Handles one frame. <paramref name="body"/> is only valid during the call: copy what must outlive it.
    /// Throwing ends the channel.
    /// </summary>
    void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> body);
}
