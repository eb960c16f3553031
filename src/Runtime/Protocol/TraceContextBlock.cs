using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Offload.Protocol;

/// <summary>
/// The caller's W3C trace context as a traced call carries it (<see cref="CallFrameFlags.TraceContext"/>): right after
/// the method id, a <c>u16</c> length (little-endian) and that many bytes of UTF-8 text, <c>traceparent</c>
/// <c>\n</c> <c>tracestate</c> <c>\n</c> <c>baggage</c> (the last two may be empty; baggage in the W3C
/// <c>baggage</c> header's form), then the arguments as usual.
/// </summary>
/// <param name="TraceParent">The W3C <c>traceparent</c> of the caller's span.</param>
/// <param name="TraceState">The W3C <c>tracestate</c>; empty for none.</param>
/// <param name="Baggage">The W3C <c>baggage</c> header's value; empty for none.</param>
internal sealed record TraceContextBlock(string TraceParent, string TraceState, string Baggage)
{
    /// <summary>A <c>traceparent</c> is 55 characters today; anything far longer is not one.</summary>
    public const int MaxTraceParentBytes = 256;

    /// <summary>W3C limits <c>tracestate</c> to 32 entries of at most 256 characters; longer is dropped, not sent.</summary>
    public const int MaxTraceStateBytes = 8 * 1024;

    /// <summary>W3C asks that at least 8,192 bytes of baggage be propagated; larger baggage is dropped, not sent.</summary>
    public const int MaxBaggageBytes = 8 * 1024;

    /// <summary>Bytes of the length in front of the text.</summary>
    private const int LengthSize = sizeof(ushort);

    /// <summary>
    /// Appends the block to a call frame whose method id was just written; false, writing nothing, without a usable
    /// <c>traceparent</c>. A <c>tracestate</c> or baggage over its limit is left out (the trace itself still goes on).
    /// </summary>
    public bool TryWrite(IBufferWriter<byte> destination)
    {
        var utf8 = Encoding.UTF8;
        var parentBytes = utf8.GetByteCount(TraceParent);
        if (parentBytes is 0 or > MaxTraceParentBytes || TraceParent.Contains('\n'))
        {
            return false;
        }

        var state = utf8.GetByteCount(TraceState) is <= MaxTraceStateBytes && !TraceState.Contains('\n') ? TraceState : "";
        var baggage = utf8.GetByteCount(Baggage) is <= MaxBaggageBytes && !Baggage.Contains('\n') ? Baggage : "";
        var length = parentBytes + utf8.GetByteCount(state) + utf8.GetByteCount(baggage) + 2;
        var span = destination.GetSpan(LengthSize + length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)length);
        var written = LengthSize;
        written += utf8.GetBytes(TraceParent, span[written..]);
        span[written++] = (byte)'\n';
        written += utf8.GetBytes(state, span[written..]);
        span[written++] = (byte)'\n';
        written += utf8.GetBytes(baggage, span[written..]);
        destination.Advance(written);
        return true;
    }

    /// <summary>
    /// The block of a call frame with these <paramref name="flags"/>, read at <paramref name="offset"/> in its body and
    /// stepped over; null, reading nothing, when the frame is not flagged <see cref="CallFrameFlags.TraceContext"/>.
    /// </summary>
    public static TraceContextBlock? ReadIfPresent(byte flags, in ReadOnlySequence<byte> body, ref int offset)
    {
        if ((flags & CallFrameFlags.TraceContext) == 0)
        {
            return null;
        }

        var block = Read(body.Slice(offset), out var size);
        offset += size;
        return block;
    }

    /// <summary>
    /// Reads the block at the start of <paramref name="source"/> (a call body after its method id); <paramref name="size"/>
    /// is the bytes it took. Throws <see cref="OffloadProtocolException"/> for a block that is cut short or is not three lines.
    /// </summary>
    public static TraceContextBlock Read(in ReadOnlySequence<byte> source, out int size)
    {
        Span<byte> prefix = stackalloc byte[LengthSize];
        if (source.Length < LengthSize)
        {
            throw new OffloadProtocolException("Call frame too short for its trace context's length.");
        }

        source.Slice(0, LengthSize).CopyTo(prefix);
        var length = BinaryPrimitives.ReadUInt16LittleEndian(prefix);
        if (source.Length - LengthSize < length)
        {
            throw new OffloadProtocolException($"Call frame's trace context says {length} bytes, but only {source.Length - LengthSize} follow.");
        }

        var text = Encoding.UTF8.GetString(source.Slice(LengthSize, length));
        var first = text.IndexOf('\n');
        var second = first < 0 ? -1 : text.IndexOf('\n', first + 1);
        if (second < 0 || text.IndexOf('\n', second + 1) >= 0)
        {
            throw new OffloadProtocolException("Call frame's trace context is not three lines (traceparent, tracestate, baggage).");
        }

        size = LengthSize + length;
        return new TraceContextBlock(text[..first], text[(first + 1)..second], text[(second + 1)..]);
    }
}
