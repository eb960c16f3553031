using System.Buffers;
using System.Buffers.Binary;

namespace Offload.Protocol;

/// <summary>Body of <see cref="FrameKind.Credit"/>: how many more items of a streamed result the caller took (u32, little-endian).</summary>
internal static class CreditMessage
{
    /// <summary>A credit frame for the streamed call <paramref name="callId"/>.</summary>
    public static FrameBuffer Create(long callId, int count)
    {
        var frame = FrameBuffer.Create(FrameHeader.Size + sizeof(uint));
        var span = frame.GetSpan(sizeof(uint));
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)count);
        frame.Advance(sizeof(uint));
        frame.Seal(FrameKind.Credit, callId);
        return frame;
    }

    /// <summary>The count in a credit frame's body; throws <see cref="OffloadProtocolException"/> for a malformed one.</summary>
    public static int Read(in ReadOnlySequence<byte> body)
    {
        if (body.Length != sizeof(uint))
        {
            throw new OffloadProtocolException("Credit frame must hold a 4-byte count.");
        }

        Span<byte> count = stackalloc byte[sizeof(uint)];
        body.CopyTo(count);
        return (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(count), int.MaxValue);
    }
}
