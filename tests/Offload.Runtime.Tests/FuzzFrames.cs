using System.Buffers.Binary;
using System.Buffers;
using CsCheck;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>
/// Building blocks of the protocol fuzz tests: raw frame encoding (able to write any header, legal or not), splitting a
/// byte stream into a multi-segment sequence, and a reference model of the wire format written from the header's
/// documentation (<c>length:u32 | kind:u8 | flags:u8 | reserved:u16 | callId:u64</c>, length counting the 12 header
/// bytes after it), not from <see cref="FrameDecoder"/>, so that the decoder is checked against an independent spec.
/// </summary>
internal static class FuzzFrames
{
    /// <summary>The length field counts the header bytes after it.</summary>
    public const int LengthOverhead = 12;

    /// <summary>Frame kinds the protocol defines.</summary>
    public static readonly byte[] KnownKinds = Enum.GetValues<FrameKind>().Select(k => (byte)k).ToArray();

    /// <summary>Any kind byte, biased towards the defined ones.</summary>
    public static readonly Gen<byte> AnyKind = Gen.Frequency((3, Gen.OneOf(KnownKinds)), (1, Gen.Byte));

    /// <summary>A header with every field chosen by the caller; the length field is written as given.</summary>
    public static byte[] Header(uint length, byte kind, byte flags, ushort reserved, long callId)
    {
        var header = new byte[FrameHeader.Size];
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        header[4] = kind;
        header[5] = flags;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), reserved);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), callId);
        return header;
    }

    /// <summary>A well-formed frame.</summary>
    public static byte[] Frame(byte kind, long callId, ReadOnlySpan<byte> body, byte flags = 0)
    {
        var frame = new byte[FrameHeader.Size + body.Length];
        Header((uint)(body.Length + LengthOverhead), kind, flags, 0, callId).CopyTo(frame, 0);
        body.CopyTo(frame.AsSpan(FrameHeader.Size));
        return frame;
    }

    /// <summary>A well-formed frame.</summary>
    public static byte[] Frame(FrameKind kind, long callId, ReadOnlySpan<byte> body, byte flags = 0) => Frame((byte)kind, callId, body, flags);

    /// <summary>A call frame's body: the method id, then the encoded arguments.</summary>
    public static byte[] CallBody(ulong methodId, ReadOnlySpan<byte> arguments)
    {
        var body = new byte[8 + arguments.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(body, methodId);
        arguments.CopyTo(body.AsSpan(8));
        return body;
    }

    /// <summary>
    /// <paramref name="bytes"/> as a sequence of segments of the given sizes, used in turn (a size of 0 makes an empty
    /// segment, which a <see cref="ReadOnlySequence{T}"/> may legally hold).
    /// </summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, IReadOnlyList<int> sizes)
    {
        if (sizes.Count == 0 || sizes.All(s => s <= 0))
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Segment? first = null;
        Segment? last = null;
        var offset = 0;
        var i = 0;
        do
        {
            var size = Math.Min(Math.Max(sizes[i++ % sizes.Count], 0), bytes.Length - offset);
            var memory = bytes.AsMemory(offset, size);
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
            offset += size;
        }
        while (offset < bytes.Length);

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>
    /// What a correct decoder makes of <paramref name="bytes"/>: the whole frames at the front, then either an error
    /// (with a phrase its message must contain) at the first bad header, or the number of bytes the next frame needs.
    /// </summary>
    public static ModelResult Decode(ReadOnlySpan<byte> bytes, int maxFrameBytes)
    {
        var frames = new List<ModelFrame>();
        var offset = 0;
        while (true)
        {
            var rest = bytes[offset..];
            if (rest.Length < FrameHeader.Size)
            {
                return new ModelResult(frames, offset, null, FrameHeader.Size);
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            if (length < LengthOverhead)
            {
                return new ModelResult(frames, offset, $"Frame length {length} is smaller than the 12-byte header", 0);
            }

            if (4L + length > maxFrameBytes)
            {
                return new ModelResult(frames, offset, $"Frame of {4L + length} bytes exceeds the maximum frame size of {maxFrameBytes} bytes", 0);
            }

            if (BinaryPrimitives.ReadUInt16LittleEndian(rest[6..]) != 0)
            {
                return new ModelResult(frames, offset, "Frame header has a non-zero reserved field", 0);
            }

            var frameLength = 4 + (int)length;
            if (rest.Length < frameLength)
            {
                return new ModelResult(frames, offset, null, frameLength);
            }

            frames.Add(new ModelFrame(rest[4], rest[5], BinaryPrimitives.ReadInt64LittleEndian(rest[8..]), rest[FrameHeader.Size..frameLength].ToArray()));
            offset += frameLength;
        }
    }

    /// <summary>One whole frame as the reference model sees it.</summary>
    public sealed record ModelFrame(byte Kind, byte Flags, long CallId, byte[] Body);

    /// <summary>The reference model's reading of a byte stream.</summary>
    /// <param name="Frames">The whole frames at the front.</param>
    /// <param name="Consumed">Bytes those frames take.</param>
    /// <param name="Error">A phrase the decoder's error must contain, when the next header is bad.</param>
    /// <param name="Needed">Otherwise, the bytes the next frame needs in all.</param>
    public sealed record ModelResult(List<ModelFrame> Frames, int Consumed, string? Error, int Needed);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
