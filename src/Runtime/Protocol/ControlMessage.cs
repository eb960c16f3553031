using System.Buffers.Binary;
using System.Buffers;
using System.Text;

namespace Offload.Protocol;

/// <summary>
/// The layout of the control messages a worker reads or writes before it is ready (hello, load assembly): little-endian
/// 32-bit integers and length-prefixed UTF-8 strings (-1 for null), read with <see cref="SequenceReader{T}"/>.
/// </summary>
/// <remarks>
/// Not MemoryPack, on purpose: MemoryPack's one-time set-up costs a process 30–40 ms of CPU, and a worker must not pay
/// it before it can say hello. It pays it on a thread of its own instead (see <c>Workers.SerializerWarmup</c>).
/// </remarks>
internal static class ControlMessage
{
    /// <summary>Longest string a control message may carry (an assembly's full name or path).</summary>
    public const int MaxStringBytes = 64 * 1024;

    public static void WriteInt32(IBufferWriter<byte> writer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(writer.GetSpan(sizeof(int)), value);
        writer.Advance(sizeof(int));
    }

    public static void WriteString(IBufferWriter<byte> writer, string? value)
    {
        if (value is null)
        {
            WriteInt32(writer, -1);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt32(writer, length);
        writer.Advance(Encoding.UTF8.GetBytes(value, writer.GetSpan(length)));
    }

    public static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        WriteInt32(writer, value.Length);
        writer.Write(value);
    }

    public static bool TryReadInt32(ref SequenceReader<byte> reader, out int value) => reader.TryReadLittleEndian(out value);

    public static bool TryReadString(ref SequenceReader<byte> reader, out string? value)
    {
        value = null;
        if (!reader.TryReadLittleEndian(out int length) || length < -1 || length > MaxStringBytes || reader.Remaining < Math.Max(length, 0))
        {
            return false;
        }

        if (length >= 0)
        {
            value = Encoding.UTF8.GetString(reader.UnreadSequence.Slice(0, length));
            reader.Advance(length);
        }

        return true;
    }

    public static bool TryReadBytes(ref SequenceReader<byte> reader, int maxLength, out byte[] value)
    {
        value = [];
        if (!reader.TryReadLittleEndian(out int length) || length < 0 || length > maxLength || reader.Remaining < length)
        {
            return false;
        }

        value = reader.UnreadSequence.Slice(0, length).ToArray();
        reader.Advance(length);
        return true;
    }
}
