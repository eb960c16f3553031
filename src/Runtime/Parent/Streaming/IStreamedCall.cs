using System.Buffers;

namespace Offload.Parent.Streaming;

/// <summary>A call whose result arrives as items (<see cref="Protocol.FrameKind.StreamItem"/>) before its end.</summary>
internal interface IStreamedCall
{
    /// <summary>Reads an item from its frame's body and hands it to the caller's enumerator; called on the read loop.</summary>
    void OnItem(in ReadOnlySequence<byte> body);
}
