using System.Buffers;
using System.Buffers.Binary;

namespace Offload.Protocol;

/// <summary>
/// The body of a <see cref="FrameKind.Shared"/> frame: which of the sender's regions holds the frame, and how long the
/// frame is (header included).
/// </summary>
internal readonly record struct SharedFrameDescriptor(int RegionIndex, int FrameLength)
{
    /// <summary>Size of the body on the wire.</summary>
    public const int Size = 2 * sizeof(int);

    /// <summary>Size of the whole <see cref="FrameKind.Shared"/> frame on the wire.</summary>
    public const int FrameSize = FrameHeader.Size + Size;

    /// <summary>Writes the whole descriptor frame (header and body) into <paramref name="destination"/>.</summary>
    public void WriteFrame(Span<byte> destination, long callId)
    {
        new FrameHeader(FrameKind.Shared, 0, callId, Size).Write(destination);
        BinaryPrimitives.WriteInt32LittleEndian(destination[FrameHeader.Size..], RegionIndex);
        BinaryPrimitives.WriteInt32LittleEndian(destination[(FrameHeader.Size + sizeof(int))..], FrameLength);
    }

    /// <summary>Reads a descriptor frame's body; throws <see cref="OffloadProtocolException"/> for a malformed one.</summary>
    public static SharedFrameDescriptor Read(in ReadOnlySequence<byte> body)
    {
        if (body.Length != Size)
        {
            throw new OffloadProtocolException($"Shared frame body of {body.Length} bytes; expected {Size}.");
        }

        Span<byte> bytes = stackalloc byte[Size];
        body.CopyTo(bytes);
        var descriptor = new SharedFrameDescriptor(BinaryPrimitives.ReadInt32LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes[sizeof(int)..]));
        if (descriptor.RegionIndex < 0 || descriptor.FrameLength < FrameHeader.Size)
        {
            throw new OffloadProtocolException($"Shared frame names region {descriptor.RegionIndex} and length {descriptor.FrameLength}, which cannot be.");
        }

        return descriptor;
    }
}
