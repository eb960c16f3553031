using System.Buffers;

namespace Offload.Protocol;

/// <summary>Body of <see cref="FrameKind.LoadAssembly"/>: an assembly that holds generated dispatchers.</summary>
internal sealed class LoadAssemblyMessage
{
    /// <summary>The assembly's full name, resolved through the application's deps.json first.</summary>
    public string? FullName { get; init; }

    /// <summary>The assembly's path in the parent, tried when loading by name fails; null in a single-file or NativeAOT app.</summary>
    public string? Location { get; init; }

    /// <summary>Writes the body: the full name, then the location.</summary>
    public void Write(IBufferWriter<byte> writer)
    {
        ControlMessage.WriteString(writer, FullName);
        ControlMessage.WriteString(writer, Location);
    }

    /// <summary>Reads a body written by <see cref="Write"/>; null when it is not one, to the last byte.</summary>
    public static LoadAssemblyMessage? TryRead(in ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        return ControlMessage.TryReadString(ref reader, out var fullName)
            && ControlMessage.TryReadString(ref reader, out var location)
            && reader.End
                ? new LoadAssemblyMessage { FullName = fullName, Location = location }
                : null;
    }
}
