using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using MemoryPack;
using Offload.CompilerServices;
using Offload.Protocol;
using Offload.Telemetry;

using Offload.Transport.SharedMemory;

namespace Offload.Parent;

/// <summary>
/// Writes a map's items into one chunk's call frame at a time (<see cref="BatchLayout"/>): each item's arguments
/// straight into the frame, the count filled in at the end. Keeps a chunk within the frame limit: an item that would
/// push it over is taken back and starts the next chunk instead. Used by the map's producer only, one chunk at a time.
/// </summary>
internal sealed class ChunkEncoder<TArguments>
    where TArguments : struct, IOffloadArguments
{
    private readonly MethodDescriptor _method;
    private readonly PoolMetrics _metrics;
    private readonly int _maxFrameBytes;
    private readonly long _softBytes;
    private readonly long _maxFillTicks;
    private FrameBuffer? _frame;

    /// <summary>
    /// One writer state for the whole chunk, as the worker reads the chunk with one reader state: types that keep
    /// references (MemoryPack's circular-reference mode) number them per state, so items written with states of their
    /// own would restart the numbering and the worker could not read the second one.
    /// </summary>
    private MemoryPackWriterOptionalState? _writeState;
    private long _startedAt;
    private int _writerBase;
    private long _firstIndex;
    private bool _hasCarry;
    private TArguments _carry;
    private readonly SharedMemoryArena? _arena;

    /// <param name="method">The method's batch descriptor, whose id starts every chunk.</param>
    /// <param name="metrics">The pool's metrics: each chunk is a call, with its own span and duration.</param>
    /// <param name="maxFrameBytes">The pool's frame limit, which no chunk may pass.</param>
    /// <param name="softBytes">A chunk ends once its items take this many bytes (automatic sizing); past the limit is never allowed.</param>
    /// <param name="maxFill">A chunk filled from a synchronous input ends once filling it has taken this long; <see cref="TimeSpan.Zero"/> for no limit.</param>
    /// <param name="arena">Where a large chunk is written, so that it crosses in shared memory; null for none.</param>
    public ChunkEncoder(MethodDescriptor method, PoolMetrics metrics, int maxFrameBytes, long softBytes, TimeSpan maxFill, SharedMemoryArena? arena = null)
    {
        _arena = arena;
        _method = method;
        _metrics = metrics;
        _maxFrameBytes = maxFrameBytes;
        _softBytes = softBytes;
        _maxFillTicks = maxFill <= TimeSpan.Zero ? long.MaxValue : (long)(maxFill.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>What became of an item, or of filling a chunk.</summary>
    public enum Outcome
    {
        /// <summary>Added, and the chunk has room for more.</summary>
        Added,

        /// <summary>The chunk is full (by count, bytes or fill time, or an item did not fit and waits for the next chunk).</summary>
        Full,

        /// <summary>The input has no more items.</summary>
        Exhausted,

        /// <summary>An item cannot be sent, or the input threw: the chunk holds the items before it, and the map stops.</summary>
        Failed,
    }

    /// <summary>Items in the chunk being filled (0 between chunks).</summary>
    public int Count { get; private set; }

    /// <summary>True while a chunk is being filled.</summary>
    public bool IsStarted => _frame is not null;

    /// <summary>True when an item that did not fit in the last chunk waits to start the next one.</summary>
    public bool HasCarry => _hasCarry;

    /// <summary>Starts a chunk: the call frame with its method id and room for the count.</summary>
    /// <param name="firstIndex">The input position of the chunk's first item, for error messages.</param>
    /// <param name="expectedItemBytes">What the chunk's items are expected to take, so that the frame is rented once at the right size.</param>
    public void Start(long firstIndex, long expectedItemBytes)
    {
        var capacity = BatchLayout.CallItemsOffset + Math.Clamp(expectedItemBytes, 256, _maxFrameBytes - BatchLayout.CallItemsOffset);
        var frame = FrameBuffer.CreateCall(_method.Id, (int)capacity, arena: _arena);
        frame.GetSpan(sizeof(int));
        frame.Advance(sizeof(int));
        _frame = frame;
        _writeState = MemoryPackWriterOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        _firstIndex = firstIndex;
        Count = 0;
        _startedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Adds items from a synchronous input until the chunk holds <paramref name="size"/> items, is full by bytes or
    /// fill time, or the input ends; one writer serves the whole chunk. An item waiting from the previous chunk goes first.
    /// </summary>
    /// <param name="items">The input, already started.</param>
    /// <param name="toArguments">Turns an item into the method's arguments.</param>
    /// <param name="size">The chunk's target item count.</param>
    /// <param name="error">Why the map must stop, with <see cref="Outcome.Failed"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Outcome Fill<TItem>(IEnumerator<TItem> items, Func<TItem, TArguments> toArguments, int size, out Exception? error)
    {
        error = null;
        var frame = _frame!;
        var state = _writeState!;
        var writer = new MemoryPackWriter<FrameBuffer>(ref frame, state);

        // The writer counts only what it writes; the frame may already hold items from earlier writers.
        _writerBase = frame.Length - BatchLayout.CallItemsOffset;
        var outcome = Outcome.Added;
        if (_hasCarry)
        {
            _hasCarry = false;
            outcome = Write(ref writer, _carry, out error);
        }

        // Optimized from the first call (this loop is what a map costs per item in this process), and the one
        // exception handler for serialization sits outside the loop, so that writing an item inlines.
        var before = 0;
        try
        {
            while (outcome == Outcome.Added && Count < size)
            {
                TItem item;
                try
                {
                    if (!items.MoveNext())
                    {
                        outcome = Outcome.Exhausted;
                        break;
                    }

                    item = items.Current;
                }
                catch (Exception ex)
                {
                    // The input threw: the items before it still run, then the map fails with the input's exception.
                    error = ex;
                    outcome = Outcome.Failed;
                    break;
                }

                before = _writerBase + writer.WrittenCount;
                var arguments = toArguments(item);
                arguments.Write(ref writer);
                outcome = Check(ref writer, before, arguments, out error);

                // The clock is read at 1, 2, 4, 8... items, so that a slow input cannot hold items back for long, at a
                // cost of a few clock reads per chunk.
                if (outcome == Outcome.Added && (Count & (Count - 1)) == 0 && Stopwatch.GetTimestamp() - _startedAt > _maxFillTicks)
                {
                    outcome = Outcome.Full;
                }
            }
        }
        catch (Exception ex) when (outcome == Outcome.Added)
        {
            TakeBack(ref writer, before);
            error = WriteFailed(ex);
            outcome = Outcome.Failed;
        }

        writer.Flush();
        return outcome == Outcome.Added ? Outcome.Full : outcome;
    }

    /// <summary>
    /// Adds one item (an asynchronous input's), with a writer of its own over the chunk's state; an item waiting from the previous chunk goes
    /// first. <see cref="Outcome.Full"/> may leave this item waiting for the next chunk.
    /// </summary>
    public Outcome Add(in TArguments arguments, out Exception? error)
    {
        error = null;
        var frame = _frame!;
        var state = _writeState!;
        var writer = new MemoryPackWriter<FrameBuffer>(ref frame, state);
        _writerBase = frame.Length - BatchLayout.CallItemsOffset;
        var outcome = Outcome.Added;
        if (_hasCarry)
        {
            _hasCarry = false;
            outcome = Write(ref writer, _carry, out error);
            if (outcome == Outcome.Full && !_hasCarry)
            {
                // The waiting item filled the chunk: this one waits for the next.
                _carry = arguments;
                _hasCarry = true;
            }
        }

        if (outcome == Outcome.Added)
        {
            outcome = Write(ref writer, arguments, out error);
        }

        writer.Flush();
        return outcome;
    }

    /// <summary>Adds the item waiting from the previous chunk, if any: the input ended right after it.</summary>
    public Outcome AddCarry(out Exception? error)
    {
        error = null;
        if (!_hasCarry)
        {
            return Outcome.Added;
        }

        _hasCarry = false;
        var frame = _frame!;
        var state = _writeState!;
        var writer = new MemoryPackWriter<FrameBuffer>(ref frame, state);
        _writerBase = frame.Length - BatchLayout.CallItemsOffset;
        var outcome = Write(ref writer, _carry, out error);
        writer.Flush();
        return outcome;
    }

    /// <summary>
    /// Ends the chunk: fills in the count and returns the frame (not yet sealed: with <paramref name="flags"/>), how many
    /// bytes its items take, and its telemetry (<see cref="CallTelemetry"/>); null when it holds no item (the frame is
    /// then returned to the pool).
    /// </summary>
    public FrameBuffer? Finish(out int count, out int itemBytes, out byte flags, out CallTelemetry? telemetry)
    {
        flags = CallFrameFlags.None;
        telemetry = null;
        var frame = _frame!;
        _frame = null;
        ReturnWriteState();
        count = Count;
        Count = 0;
        itemBytes = frame.Length - BatchLayout.CallItemsOffset;
        if (count == 0)
        {
            frame.Dispose();
            return null;
        }

        frame.PatchInt32(BatchLayout.CallCountOffset, count);
        telemetry = CallTelemetry.Begin(_metrics, _method);
        if (CallTelemetry.ContextToSend(telemetry) is { } context)
        {
            // The chunk's span starts now that it has items, and its context goes in front of them: a chunk the input
            // ends before its first item never gets a span. In the rare chunk that fills its frame to the very limit,
            // there is no room for the context: it is sent without (its span still ends as any other).
            var block = new ArrayBufferWriter<byte>(256);
            if (context.TryWrite(block) && (long)frame.Length + block.WrittenCount <= _maxFrameBytes)
            {
                frame.Insert(BatchLayout.CallCountOffset, block.WrittenSpan);
                flags = CallFrameFlags.TraceContext;
            }
        }

        return frame;
    }

    /// <summary>Drops the chunk being filled (the map stopped).</summary>
    public void Abandon()
    {
        _frame?.Dispose();
        _frame = null;
        ReturnWriteState();
        Count = 0;
        _hasCarry = false;
    }

    private void ReturnWriteState()
    {
        (_writeState as IDisposable)?.Dispose();
        _writeState = null;
    }

    /// <summary>Writes one item's arguments (an asynchronous input's, or the one waiting from the previous chunk) and checks it.</summary>
    private Outcome Write(ref MemoryPackWriter<FrameBuffer> writer, in TArguments arguments, out Exception? error)
    {
        var before = _writerBase + writer.WrittenCount;
        try
        {
            arguments.Write(ref writer);
        }
        catch (Exception ex)
        {
            TakeBack(ref writer, before);
            error = WriteFailed(ex);
            return Outcome.Failed;
        }

        return Check(ref writer, before, arguments, out error);
    }

    /// <summary>
    /// Checks the item just written, which started at <paramref name="before"/> bytes of items. An item that does not
    /// fit in a frame alone fails the map; one that does not fit in this chunk is taken back (the frame is cut back to
    /// where it started) and kept for the next chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Outcome Check(ref MemoryPackWriter<FrameBuffer> writer, int before, in TArguments arguments, out Exception? error)
    {
        error = null;
        var itemsBytes = _writerBase + writer.WrittenCount;
        if ((long)BatchLayout.CallItemsOffset + itemsBytes > _maxFrameBytes)
        {
            return DoesNotFit(ref writer, before, itemsBytes - before, arguments, out error);
        }

        Count++;
        return itemsBytes >= _softBytes ? Outcome.Full : Outcome.Added;
    }

    private Outcome DoesNotFit(ref MemoryPackWriter<FrameBuffer> writer, int before, int itemBytes, in TArguments arguments, out Exception? error)
    {
        error = null;
        TakeBack(ref writer, before);
        if (Count == 0)
        {
            error = new PayloadTooLargeException(
                $"The arguments of item {_firstIndex} of the map over {_method.DisplayName} take {itemBytes} bytes, more than fit in the maximum frame size of {_maxFrameBytes} bytes; raise WorkerPoolOptions.MaxFrameBytes or pass less.")
            {
                MethodName = _method.DisplayName,
                PayloadBytes = itemBytes,
                MaxFrameBytes = _maxFrameBytes,
            };
            return Outcome.Failed;
        }

        _carry = arguments;
        _hasCarry = true;
        return Outcome.Full;
    }

    private OffloadSerializationException WriteFailed(Exception exception) =>
        new($"The arguments of item {_firstIndex + Count} of the map over {_method.DisplayName} could not be written: {exception.Message}", exception)
        {
            MethodName = _method.DisplayName,
        };

    /// <summary>Cuts the frame back to <paramref name="written"/> bytes of items: the writer's partial output goes with it.</summary>
    private void TakeBack(ref MemoryPackWriter<FrameBuffer> writer, long written)
    {
        writer.Flush();
        _frame!.Truncate(BatchLayout.CallItemsOffset + (int)written);
    }
}
