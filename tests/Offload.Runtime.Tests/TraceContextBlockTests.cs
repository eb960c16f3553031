using System.Buffers;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>The trace context block of a traced call frame: its layout, its limits, and broken blocks.</summary>
public sealed class TraceContextBlockTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void A_block_is_a_little_endian_length_and_three_lines_of_utf8_and_reads_back_as_written()
    {
        var block = new TraceContextBlock(TraceParent, "congo=t61rcWkgMzE", "tenant=acme,city=Z%C3%BCrich");
        var buffer = new ArrayBufferWriter<byte>();

        Assert.True(block.TryWrite(buffer));

        var text = $"{TraceParent}\ncongo=t61rcWkgMzE\ntenant=acme,city=Z%C3%BCrich";
        Assert.Equal(text.Length, BitConverter.ToUInt16(buffer.WrittenSpan[..2]));
        Assert.Equal(text, System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan[2..]));
        var read = TraceContextBlock.Read(new ReadOnlySequence<byte>([.. buffer.WrittenSpan, 1, 2, 3]), out var size);
        Assert.Equal(block, read);
        Assert.Equal(buffer.WrittenCount, size);
    }

    [Fact]
    public void Empty_tracestate_and_baggage_are_allowed_and_oversized_ones_are_left_out()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var huge = "k=" + new string('v', TraceContextBlock.MaxBaggageBytes);

        Assert.True(new TraceContextBlock(TraceParent, new string('s', TraceContextBlock.MaxTraceStateBytes + 1), huge).TryWrite(buffer));

        Assert.Equal(new TraceContextBlock(TraceParent, "", ""), TraceContextBlock.Read(new ReadOnlySequence<byte>(buffer.WrittenMemory), out _));
    }

    [Fact]
    public void Without_a_traceparent_nothing_is_written()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Assert.False(new TraceContextBlock("", "a=b", "c=d").TryWrite(buffer));
        Assert.False(new TraceContextBlock("00-a\n-b", "", "").TryWrite(buffer));
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Theory]
    [InlineData(new byte[] { 5 })]
    [InlineData(new byte[] { 10, 0, (byte)'a', (byte)'\n', (byte)'b' })]
    [InlineData(new byte[] { 3, 0, (byte)'a', (byte)'\n', (byte)'b' })]
    [InlineData(new byte[] { 5, 0, (byte)'a', (byte)'\n', (byte)'b', (byte)'\n', (byte)'\n' })]
    public void A_block_cut_short_or_not_three_lines_is_a_protocol_error(byte[] bytes) =>
        Assert.Throws<OffloadProtocolException>(() => TraceContextBlock.Read(new ReadOnlySequence<byte>(bytes), out _));
}
