namespace Offload.Protocol;

/// <summary>
/// A frame being written asked for more room than its limit allows (see <see cref="FrameBuffer.CreateCall"/>). Internal:
/// the code that writes the frame turns it into a <see cref="PayloadTooLargeException"/> that names the method.
/// </summary>
internal sealed class FrameLimitExceededException(long neededBytes, long maxBytes)
    : Exception($"The frame needs at least {neededBytes} bytes, more than its limit of {maxBytes} bytes.")
{
    /// <summary>The bytes the frame would have needed at least, header included.</summary>
    public long NeededBytes { get; } = neededBytes;
}
