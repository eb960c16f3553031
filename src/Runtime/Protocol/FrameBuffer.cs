using System.Buffers.Binary;
using System.Buffers;
using MemoryPack;
using Offload.Transport.SharedMemory;

namespace Offload.Protocol;

/// <summary>
/// A growable buffer, rented from <see cref="ArrayPool{T}"/>, that holds one whole frame: the header is reserved up
/// front and filled in by <see cref="Seal"/> once the body's length is known, so a frame is written exactly once and
/// copied to the channel as a single span.
/// </summary>
/// <remarks>
/// Given a <see cref="SharedMemoryArena"/>, a frame that grows past the arena's threshold moves into a shared-memory
/// region (what was written so far is copied once; MemoryPack then writes straight into the region), and the channel
/// sends only the region's descriptor. If the arena has no region to give, the frame stays in an array.
/// </remarks>
internal sealed class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    /// <summary>Above this, an array a refused frame grew to goes to the garbage collector, not back to the pool.</summary>
    private const int RetainedOnDiscardBytes = 1024 * 1024;

    // An int, not a long: with the two fields below it fills the object's padding, so every call's frame stays the
    // same size as before it had a limit.
    private readonly int _maxBytes;
    private byte[] _array;
    private int _written;

    // One field for two states, so that a small frame costs no more than before: the arena that a large frame may move
    // to, or the region it moved to (then _array is empty).
    private object? _shared;

    private FrameBuffer(int capacity, int maxBytes = int.MaxValue, SharedMemoryArena? arena = null)
    {
        _maxBytes = maxBytes;
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, FrameHeader.Size));
        _written = FrameHeader.Size;
        _shared = arena;
    }

    /// <summary>The shared-memory region the frame was written into, or null when it is in an array.</summary>
    public SharedRegion? Region => _shared as SharedRegion;

    /// <summary>Bytes written so far, header included.</summary>
    public int Length => _written;

    /// <summary>Bytes of body written so far.</summary>
    public int BodyLength => _written - FrameHeader.Size;

    /// <summary>The whole frame as written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => Buffer[.._written];

    private Span<byte> Buffer => _shared is SharedRegion region ? region.Span : _array;

    /// <summary>Starts a frame with room for the header.</summary>
    /// <param name="capacityHint">The frame's expected size.</param>
    /// <param name="arena">Where the frame moves if it grows past the arena's threshold; null to keep it in an array.</param>
    public static FrameBuffer Create(int capacityHint = 256, SharedMemoryArena? arena = null) => new(capacityHint, arena: arena);

    /// <summary>Starts a call frame: reserves the header and writes the method id.</summary>
    /// <param name="methodId">The method to call.</param>
    /// <param name="capacityHint">The frame's expected size, when known (a map's chunk), so that it need not grow as it is written.</param>
    /// <param name="maxBytes">
    /// The most the frame may hold, header included: asking for more throws <see cref="FrameLimitExceededException"/>
    /// before any larger array is rented, so that an argument too large for a frame is refused as soon as its size is
    /// asked for (a 200 MB array at once), not after it was copied in full.
    /// </param>
    /// <param name="arena">Where the frame moves if it grows past the arena's threshold; null to keep it in an array.</param>
    public static FrameBuffer CreateCall(ulong methodId, int capacityHint = 64, int maxBytes = int.MaxValue, SharedMemoryArena? arena = null)
    {
        // Small by default: a call's frame is kept until the call completes (it may have to be sent again), so with
        // many calls outstanding the array pool runs dry and every frame is a fresh array of this size.
        var buffer = new FrameBuffer(capacityHint, maxBytes, arena);
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
    /// <param name="value">The body.</param>
    /// <param name="arena">Where the frame moves if it grows past the arena's threshold; null to keep it in an array.</param>
    public static FrameBuffer CreateMessage<T>(T value, SharedMemoryArena? arena = null)
    {
        var buffer = new FrameBuffer(256, arena: arena);
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
    /// <see cref="CreateMessage{T}(T, SharedMemoryArena)"/> for a body that must fit a frame of <paramref name="maxFrameBytes"/>; else throws
    /// <see cref="PayloadTooLargeException"/> with <paramref name="describe"/>'s message for the size and the limit
    /// (what it was, and what to do).
    /// </summary>
    public static FrameBuffer CreateMessage<T>(T value, int maxFrameBytes, Func<long, int, string> describe, SharedMemoryArena? arena = null)
    {
        var buffer = CreateMessage(value, arena);
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
        new FrameHeader(kind, flags, callId, BodyLength).Write(Buffer);

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

        BinaryPrimitives.WriteInt32LittleEndian(Buffer[position..], value);
    }

    /// <summary>As <see cref="PatchInt32"/>, for eight bytes.</summary>
    public void PatchInt64(int position, long value)
    {
        if (position < FrameHeader.Size || position > _written - sizeof(long))
        {
            throw new ArgumentOutOfRangeException(nameof(position));
        }

        BinaryPrimitives.WriteInt64LittleEndian(Buffer[position..], value);
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
        var buffer = Buffer;
        buffer[position.._written].CopyTo(buffer[(position + bytes.Length)..]);
        bytes.CopyTo(buffer[position..]);
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
        if (count < 0 || _written + count > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _shared is SharedRegion region ? region.Memory[_written..] : _array.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return Buffer[_written..];
    }

    /// <summary>Returns the array to the pool; the buffer must not be used afterwards.</summary>
    public void Dispose()
    {
        EndRegionUse();
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
        EndRegionUse();
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length is > 0 and <= RetainedOnDiscardBytes)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private int Capacity => _shared is SharedRegion region ? region.Capacity : _array.Length;

    private void EndRegionUse()
    {
        if (Interlocked.Exchange(ref _shared, null) is SharedRegion region)
        {
            region.EndUse();
        }
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (Capacity - _written >= sizeHint)
        {
            return;
        }

        var needed = (long)_written + sizeHint;
        if (needed > _maxBytes)
        {
            throw new FrameLimitExceededException(needed, _maxBytes);
        }

        if (_shared is SharedRegion current)
        {
            GrowRegion(current, needed);
            return;
        }

        if (_shared is SharedMemoryArena arena && needed > arena.Threshold && arena.Rent(needed) is { } region)
        {
            // Large: from here on MemoryPack writes into memory the peer maps; only the few bytes so far are copied.
            _array.AsSpan(0, _written).CopyTo(region.Span);
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
            _shared = region;
            return;
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

    /// <summary>A region that is full moves to one twice its size, or back to an array if the arena has none to give.</summary>
    private void GrowRegion(SharedRegion current, long needed)
    {
        var wanted = Math.Max(needed, (long)current.Capacity * 2);
        if (current.Arena?.Rent(wanted) is { } bigger)
        {
            current.Span[.._written].CopyTo(bigger.Span);
            _shared = bigger;
            current.EndUse();
            return;
        }

        var size = (int)Math.Min(Array.MaxLength, wanted);
        if (size < needed)
        {
            throw new OutOfMemoryException("A frame cannot grow beyond the largest array size.");
        }

        var array = ArrayPool<byte>.Shared.Rent(size);
        current.Span[.._written].CopyTo(array);
        _array = array;
        _shared = null;
        current.EndUse();
    }
}
