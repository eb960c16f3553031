using System.Buffers;
using MemoryPack;

namespace Offload.Protocol;

/// <summary>Reads a frame body that holds one MemoryPack value of a type known only as a generic parameter.</summary>
internal static class FrameBody
{
    /// <summary>
    /// The value in <paramref name="body"/>. Through a <see cref="MemoryPackReader"/>, as MemoryPack's generated code
    /// reads members, rather than <c>MemoryPackSerializer.Deserialize&lt;T&gt;</c>: the latter asks the trimmer to keep
    /// every member of <typeparamref name="T"/> (and callers to say so all the way up to the generated companions),
    /// while the reader finds the type's formatter the same way without it.
    /// </summary>
    public static T? Read<T>(in ReadOnlySequence<byte> body)
    {
        using var state = MemoryPackReaderOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        var reader = new MemoryPackReader(body, state);
        return reader.ReadValue<T>();
    }
}
