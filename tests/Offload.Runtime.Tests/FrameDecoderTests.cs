using System.Buffers;
using Offload.Protocol;
using static Offload.Runtime.Tests.FuzzFrames;

namespace Offload.Runtime.Tests;

/// <summary>Framing: whole frames come out, partial frames wait, bad headers fail clearly.</summary>
public sealed class FrameDecoderTests
{
    private const int Max = 1024 * 1024;

    [Fact]
    public void Reads_consecutive_frames_and_leaves_a_partial_one()
    {
        var bytes = Frame(FrameKind.Call, 1, [1, 2, 3]).Concat(Frame(FrameKind.Result, 2, [])).Concat(Frame(FrameKind.Error, 3, [9, 9]).Take(17)).ToArray();
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.True(FrameDecoder.TryReadFrame(ref buffer, Max, out var first, out var body, out _));
        Assert.Equal((FrameKind.Call, 1L), (first.Kind, first.CallId));
        Assert.Equal(new byte[] { 1, 2, 3 }, body.ToArray());
        Assert.True(FrameDecoder.TryReadFrame(ref buffer, Max, out var second, out body, out _));
        Assert.Equal((FrameKind.Result, 2L, 0L), (second.Kind, second.CallId, body.Length));
        Assert.False(FrameDecoder.TryReadFrame(ref buffer, Max, out _, out _, out var needed));
        Assert.Equal(FrameHeader.Size + 2, needed);
        Assert.Equal(17, buffer.Length);
    }

    [Fact]
    public void Reads_a_frame_split_across_segments()
    {
        var bytes = Frame(FrameKind.Call, 5, Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());
        var buffer = Segmented(bytes, [7]);

        Assert.True(FrameDecoder.TryReadFrame(ref buffer, Max, out var header, out var body, out _));
        Assert.Equal(5L, header.CallId);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (byte)i), body.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void A_frame_over_the_maximum_fails_with_its_size()
    {
        var header = new byte[FrameHeader.Size];
        new FrameHeader(FrameKind.Call, 0, 1, 2 * Max).Write(header);
        var buffer = new ReadOnlySequence<byte>(header);

        var error = Assert.Throws<OffloadProtocolException>(() => FrameDecoder.TryReadFrame(ref buffer, Max, out _, out _, out _));
        Assert.Contains("exceeds the maximum frame size", error.Message);
    }

    [Fact]
    public void A_length_shorter_than_the_header_fails()
    {
        var header = new byte[FrameHeader.Size];
        header[0] = 3;
        var buffer = new ReadOnlySequence<byte>(header);

        Assert.Throws<OffloadProtocolException>(() => FrameDecoder.TryReadFrame(ref buffer, Max, out _, out _, out _));
    }

    [Fact]
    public void A_non_zero_reserved_field_fails()
    {
        var bytes = Frame(FrameKind.Call, 1, []);
        bytes[6] = 1;
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Throws<OffloadProtocolException>(() => FrameDecoder.TryReadFrame(ref buffer, Max, out _, out _, out _));
    }
}
