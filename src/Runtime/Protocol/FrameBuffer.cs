using System.Buffers.Binary;
using System.Buffers;
using MemoryPack;

namespace Offload.Protocol;

/// <summary>
/// A growable buffer, rented from <see cref="ArrayPool{T}"/>, that holds one whole frame: the header is reserved up
/// front and filled in by <see cref="Seal"/> once the body's length is known, so a frame is written exactly once and
/// copied to the channel as a single span.
/// </summary>
internal sealed class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    /// <summary>Above this, an array a refused frame grew to goes to the garbage collector, not back to the pool.</summary>
    private const int RetainedOnDiscardBytes = 1024 * 1024;

    // An int, not a long: with the two fields below it fills the object's padding, so every call's frame stays the
    // same size as before it had a limit.
    private readonly int _maxBytes;
    private byte[] _array;
    private int _written;

    private FrameBuffer(int capacity, int maxBytes = int.MaxValue)
    {
        _maxBytes = maxBytes;
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, FrameHeader.Size));
        _written = FrameHeader.Size;
    }

    /// <summary>Bytes written so far, header included.</summary>
    public int Length => _written;

    /// <summary>Bytes of body written so far.</summary>
    public int BodyLength => _written - FrameHeader.Size;

    /// <summary>The whole frame as written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

    /// <summary>Starts a frame with room for the header.</summary>
    public static FrameBuffer Create(int capacityHint = 256) => new(capacityHint);

    /// <summary>Starts a call frame: reserves the header and writes the method id.</summary>
    /// <param name="methodId">The method to call.</param>
    /// <param name="capacityHint">The frame's expected size, when known (a map's chunk), so that it need not grow as it is written.</param>
    /// <param name="maxBytes">
    /// The most the frame may hold, header included: asking for more throws <see cref="FrameLimitExceededException"/>
    /// before any larger array is rented, so that an argument too large for a frame is refused as soon as its size is
    /// asked for (a 200 MB array at once), not after it was copied in full.
    /// </param>
    public static FrameBuffer CreateCall(ulong methodId, int capacityHint = 64, int maxBytes = int.MaxValue)
    {
        // Small by default: a call's frame is kept until the call completes (it may have to be sent again), so with
        // many calls outstanding the array pool runs dry and every frame is a fresh array of this size.
        var buffer = new FrameBuffer(capacityHint, maxBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(ProtocolConstants.MethodIdSize), methodId);
        buffer.Advance(ProtocolConstants.MethodIdSize);
        return buffer;
    }

    /// <summary>Builds a frame with no body.</summary>
    public static FrameBuffer CreateEmpty(FrameKind kind, long callId)
    {
        var buffer = new FrameBuffer(FrameHeader.Size);
        buffer.Seal(kind, callId);
        return buffer;
    }

    /// <summary>Builds a frame whose body is <paramref name="value"/> encoded with MemoryPack, not yet sealed.</summary>
    public static FrameBuffer CreateMessage<T>(T value)
    {
        var buffer = new FrameBuffer(256);
        try
        {
            MemoryPackSerializer.Serialize(buffer, value);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        return buffer;
    }

    /// <summary>
    /// <see cref="CreateMessage{T}(T)"/> for a body that must fit a frame of <paramref name="maxFrameBytes"/>; else throws
    /// <see cref="PayloadTooLargeException"/> with <paramref name="describe"/>'s message for the size and the limit
    /// (what it was, and what to do).
    /// </summary>
    public static FrameBuffer CreateMessage<T>(T value, int maxFrameBytes, Func<long, int, string> describe)
    {
        var buffer = CreateMessage(value);
        if (buffer.Length <= maxFrameBytes)
        {
            return buffer;
        }

        var size = buffer.Length;
        buffer.Dispose();
        throw new PayloadTooLargeException(describe(size, maxFrameBytes)) { PayloadBytes = size, MaxFrameBytes = maxFrameBytes };
    }

    /// <summary>A frame of exactly these bytes, header included, unchecked: for tests that play a broken peer.</summary>
    public static FrameBuffer CreateRaw(ReadOnlySpan<byte> bytes)
    {
        var buffer = new FrameBuffer(bytes.Length);
        buffer._written = 0;
        buffer.Write(bytes);
        return buffer;
    }

    /// <summary>An unsealed frame whose body is <paramref name="exception"/> as a <see cref="RemoteError"/> (see <see cref="AppendError"/>).</summary>
    public static FrameBuffer CreateError(Exception exception, int maxFrameBytes)
    {
        var buffer = new FrameBuffer(256);
        buffer.AppendError(exception, maxFrameBytes);
        return buffer;
    }

    /// <summary>
    /// Appends <paramref name="exception"/> as a <see cref="RemoteError"/>, cut down until the frame fits in
    /// <paramref name="maxFrameBytes"/>: a huge message, or thousands of inner exceptions, must still travel as an
    /// error, not be mistaken for a peer that broke the protocol.
    /// </summary>
    public void AppendError(Exception exception, int maxFrameBytes)
    {
        var error = RemoteError.FromException(exception);
        var start = _written;
        var budget = 1 << 20;
        while (true)
        {
            MemoryPackSerializer.Serialize(this, error);
            if (_written <= maxFrameBytes || budget < 64)
            {
                return;
            }

            Truncate(start);
            budget = Math.Min(budget, Math.Max(maxFrameBytes - start, 0) / 8) / 2;
            error = error.Truncate(budget);
        }
    }

    /// <summary>Fills in the header for the body written so far.</summary>
    public void Seal(FrameKind kind, long callId, byte flags = 0) =>
        new FrameHeader(kind, flags, callId, BodyLength).Write(_array);

    /// <summary>
    /// Overwrites four bytes already written at <paramref name="position"/> (from the frame's start) with
    /// <paramref name="value"/>, little-endian: a count that is known only once the body behind it is written.
    /// </summary>
    public void PatchInt32(int position, int value)
    {
        if (position < FrameHeader.Size || position > _written - sizeof(int))
        {
            throw new ArgumentOutOfRangeException(nameof(position));
        }

        BinaryPrimitives.WriteInt32LittleEndian(_array.AsSpan(position), value);
    }

    /// <summary>As <see cref="PatchInt32"/>, for eight bytes.</summary>
    public void PatchInt64(int position, long value)
    {
        if (position < FrameHeader.Size || position > _written - sizeof(long))
        {
            throw new ArgumentOutOfRangeException(nameof(position));
        }

        BinaryPrimitives.WriteInt64LittleEndian(_array.AsSpan(position), value);
    }

    /// <summary>
    /// Inserts <paramref name="bytes"/> at <paramref name="position"/> (from the frame's start), moving what follows:
    /// a map chunk's trace context, which goes in front of items written before the chunk was known to be sent.
    /// </summary>
    public void Insert(int position, ReadOnlySpan<byte> bytes)
    {
        if (position < FrameHeader.Size || position > _written)
        {
            throw new ArgumentOutOfRangeException(nameof(position));
        }

        Ensure(bytes.Length);
        _array.AsSpan(position, _written - position).CopyTo(_array.AsSpan(position + bytes.Length));
        bytes.CopyTo(_array.AsSpan(position));
        _written += bytes.Length;
    }

    /// <summary>Drops everything written after the first <paramref name="length"/> bytes (header included).</summary>
    public void Truncate(int length)
    {
        if (length < FrameHeader.Size || length > _written)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        _written = length;
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        if (count < 0 || _written + count > _array.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_written);
    }

    /// <summary>Returns the array to the pool; the buffer must not be used afterwards.</summary>
    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    /// <summary>
    /// Drops the buffer of a frame that will not be sent (refused): a small array goes back to the pool, a large one to
    /// the garbage collector, so that one oversized call does not leave megabytes held by the pool.
    /// </summary>
    public void Discard()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length is > 0 and <= RetainedOnDiscardBytes)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (_array.Length - _written >= sizeHint)
        {
            return;
        }

        var needed = (long)_written + sizeHint;
        if (needed > _maxBytes)
        {
            throw new FrameLimitExceededException(needed, _maxBytes);
        }

        var newSize = (int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_array.Length * 2));
        if (newSize < needed)
        {
            throw new OutOfMemoryException("A frame cannot grow beyond the largest array size.");
        }

        var next = ArrayPool<byte>.Shared.Rent(newSize);
        _array.AsSpan(0, _written).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_array);
        _array = next;
    }
}
