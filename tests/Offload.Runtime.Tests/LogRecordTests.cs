using MemoryPack;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>A worker's log entry as a frame: whatever user code logs, the frame fits the channel.</summary>
public sealed class LogRecordTests
{
    [Fact]
    public void An_entry_that_fits_travels_whole()
    {
        var record = new LogRecord { Category = "C", Level = 2, Message = "hello", StateKeys = ["A"], StateValues = ["1"] };
        using var frame = record.ToFrame(7, ProtocolConstants.MinMaxFrameBytes);
        var read = MemoryPackSerializer.Deserialize<LogRecord>(frame.WrittenSpan[FrameHeader.Size..])!;
        Assert.Equal("hello", read.Message);
        Assert.Equal(["A"], read.StateKeys);
        Assert.Equal(7, FrameHeader.Read(frame.WrittenSpan, int.MaxValue).CallId);
    }

    [Fact]
    public void An_entry_too_large_for_a_frame_is_cut_to_fit()
    {
        var huge = new string('x', 1_000_000);
        var record = new LogRecord
        {
            Category = "C",
            Message = huge,
            ExceptionText = huge,
            StateKeys = ["Big"],
            StateValues = [huge],
            Scopes = [new LogScope { Text = huge }],
        };

        using var frame = record.ToFrame(1, ProtocolConstants.MinMaxFrameBytes);
        Assert.True(frame.Length <= ProtocolConstants.MinMaxFrameBytes, $"{frame.Length} bytes");
        var read = MemoryPackSerializer.Deserialize<LogRecord>(frame.WrittenSpan[FrameHeader.Size..])!;
        Assert.StartsWith("xxxx", read.Message, StringComparison.Ordinal);
        Assert.Contains("more characters cut", read.Message, StringComparison.Ordinal);
        Assert.Contains("more characters cut", read.ExceptionText, StringComparison.Ordinal);
    }
}
