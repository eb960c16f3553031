using System.Buffers.Binary;

namespace Offload.Protocol;

/// <summary>
/// The fixed 16-byte header in front of every frame:
/// <c>length:u32 | kind:u8 | flags:u8 | reserved:u16 | callId:u64</c>, little-endian.
/// <c>length</c> counts the bytes after the length field (12 header bytes plus the body).
/// </summary>
internal readonly record struct FrameHeader(FrameKind Kind, byte Flags, long CallId, int BodyLength)
{
    /// <summary>Size of the header on the wire.</summary>
    public const int Size = 16;

    /// <summary>Where the call id sits in the header.</summary>
    internal const int CallIdOffset = 8;

    /// <summary>Bytes that the length field counts beyond the body.</summary>
    internal const int LengthOverhead = Size - sizeof(uint);

    /// <summary>Total frame size on the wire.</summary>
    public int FrameLength => Size + BodyLength;

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(BodyLength + LengthOverhead));
        destination[4] = (byte)Kind;
        destination[5] = Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[CallIdOffset..], CallId);
    }

    /// <summary>
    /// Parses a header and checks it against <paramref name="maxFrameBytes"/>; throws
    /// <see cref="OffloadProtocolException"/> for a length that is too small, too large or a non-zero reserved field.
    /// </summary>
    public static FrameHeader Read(ReadOnlySpan<byte> source, int maxFrameBytes)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (length < LengthOverhead)
        {
            throw new OffloadProtocolException($"Frame length {length} is smaller than the {LengthOverhead}-byte header.");
        }

        if (length > (uint)maxFrameBytes - sizeof(uint))
        {
            throw new OffloadProtocolException(
                $"Frame of {(long)length + sizeof(uint)} bytes exceeds the maximum frame size of {maxFrameBytes} bytes.");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(source[6..]) != 0)
        {
            throw new OffloadProtocolException("Frame header has a non-zero reserved field.");
        }

        return new FrameHeader((FrameKind)source[4], source[5], BinaryPrimitives.ReadInt64LittleEndian(source[8..]), (int)length - LengthOverhead);
    }
}
