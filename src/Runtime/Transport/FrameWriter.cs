namespace Offload.Transport;

/// <summary>
/// Lets an <see cref="IOutgoingFrame"/> append its bytes to its channel's write buffer, growing it as needed, without
/// exposing the buffer or allocating.
/// </summary>
internal ref struct FrameWriter
{
    private readonly FrameChannel _channel;

    public FrameWriter(FrameChannel channel, int length)
    {
        _channel = channel;
        Length = length;
    }

    /// <summary>The bytes in the write buffer so far, this frame's included.</summary>
    public int Length { get; private set; }

    public void Append(ReadOnlySpan<byte> bytes) => Length = _channel.Append(bytes, Length);

    /// <summary>Appends a whole frame: its bytes, or its shared-memory descriptor if it lies in a region.</summary>
    public void Append(Protocol.FrameBuffer frame) => Length = _channel.AppendFrame(frame, Length);
}
