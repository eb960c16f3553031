using System.Buffers;

namespace Offload.Protocol;

/// <summary>Body of <see cref="FrameKind.Hello"/>: who the worker is and proof that the pool started it.</summary>
internal sealed class HelloMessage
{
    /// <summary>Wire protocol version the worker speaks.</summary>
    public int ProtocolVersion { get; init; }

    /// <summary>The worker id the pool gave this process on its command line.</summary>
    public int WorkerId { get; init; }

    /// <summary>The worker's OS process id.</summary>
    public int ProcessId { get; init; }

    /// <summary>The pool's per-start secret, passed to the worker on its standard input.</summary>
    public byte[] Secret { get; init; } = [];

    /// <summary>Writes the body: version, worker id, process id, then the secret.</summary>
    public void Write(IBufferWriter<byte> writer)
    {
        ControlMessage.WriteInt32(writer, ProtocolVersion);
        ControlMessage.WriteInt32(writer, WorkerId);
        ControlMessage.WriteInt32(writer, ProcessId);
        ControlMessage.WriteBytes(writer, Secret);
    }

    /// <summary>Reads a body written by <see cref="Write"/>; null when it is not one, to the last byte.</summary>
    public static HelloMessage? TryRead(in ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        return ControlMessage.TryReadInt32(ref reader, out var version)
            && ControlMessage.TryReadInt32(ref reader, out var workerId)
            && ControlMessage.TryReadInt32(ref reader, out var processId)
            && ControlMessage.TryReadBytes(ref reader, 1024, out var secret)
            && reader.End
                ? new HelloMessage { ProtocolVersion = version, WorkerId = workerId, ProcessId = processId, Secret = secret }
                : null;
    }

    /// <summary>Encodes the hello frame a worker sends first.</summary>
    public byte[] ToFrame()
    {
        using var frame = FrameBuffer.Create(64);
        Write(frame);
        frame.Seal(FrameKind.Hello, 0);
        return frame.WrittenSpan.ToArray();
    }
}
