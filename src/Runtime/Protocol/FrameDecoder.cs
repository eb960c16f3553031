using System.Buffers;

namespace Offload.Protocol;

/// <summary>Splits a byte stream into frames without copying: each frame's body is a slice of the input.</summary>
internal static class FrameDecoder
{
    /// <summary>
    /// Tries to take one whole frame from the front of <paramref name="buffer"/>. On success the buffer is advanced
    /// past the frame. On failure <paramref name="bytesNeeded"/> says how many bytes the next frame needs in total,
    /// so that a reader can wait with <c>ReadAtLeastAsync</c> instead of waking up for every segment.
    /// </summary>
    /// <exception cref="OffloadProtocolException">The header is malformed or the frame is over <paramref name="maxFrameBytes"/>.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out FrameHeader header, out ReadOnlySequence<byte> body, out int bytesNeeded)
    {
        body = default;
        if (buffer.Length < FrameHeader.Size)
        {
            header = default;
            bytesNeeded = FrameHeader.Size;
            return false;
        }

        Span<byte> headerBytes = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(headerBytes);
        header = FrameHeader.Read(headerBytes, maxFrameBytes);

        bytesNeeded = header.FrameLength;
        if (buffer.Length < bytesNeeded)
        {
            return false;
        }

        body = buffer.Slice(FrameHeader.Size, header.BodyLength);
        buffer = buffer.Slice(header.FrameLength);
        return true;
    }
}
