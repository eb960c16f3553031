using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MemoryPack;
using Offload.CompilerServices;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>
/// One chunk of a map, as the pool sees it: an ordinary call whose frame holds many items and whose answer holds all
/// their results (<see cref="BatchLayout"/>). The results are decoded on the channel's read loop, straight into an
/// array rented for the chunk; the map's consumer reads them from there and gives the array back. An answer that stops
/// at an item that threw completes the chunk with the results before it and that item's error.
/// </summary>
internal sealed class PendingBatchCall<TResult> : PendingCall
{
    private readonly IBatchCallOwner<TResult> _owner;
    private readonly WorkerPool _pool;
    private readonly bool _readResults;
    private TResult[]? _results;
    private int _settled;

    /// <param name="method">The method's batch descriptor.</param>
    /// <param name="frame">The sealed call frame.</param>
    /// <param name="callId">The frame's call id.</param>
    /// <param name="firstIndex">The position of the chunk's first item in the map's input.</param>
    /// <param name="count">How many items the chunk holds.</param>
    /// <param name="readResults">False for a method with no result: the answer then holds only the count and time.</param>
    /// <param name="owner">The map, told when the chunk settles.</param>
    /// <param name="pool">The pool the chunk runs in, asked to run it again when an item throws and the method retries on exceptions.</param>
    public PendingBatchCall(MethodDescriptor method, FrameBuffer frame, long callId, long firstIndex, int count, bool readResults, IBatchCallOwner<TResult> owner, WorkerPool pool)
        : base(method, frame, callId)
    {
        FirstIndex = firstIndex;
        Count = count;
        _readResults = readResults;
        _owner = owner;
        _pool = pool;
    }

    /// <summary>The position of the chunk's first item in the map's input.</summary>
    public long FirstIndex { get; }

    /// <summary>How many items the chunk holds.</summary>
    public int Count { get; }

    /// <summary>
    /// True once the outcome below is set and may be read. Unlike <see cref="PendingCall.IsCompleted"/>, which is set
    /// first (to win the race between an answer, a failure and a cancellation), this comes after the results.
    /// </summary>
    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>
    /// The results, in item order, in an array of at least <see cref="ResultCount"/> items; null for a method with no
    /// result, or a chunk that failed as a whole.
    /// </summary>
    public TResult[]? Results => _results;

    /// <summary>
    /// How many items ran: <see cref="Count"/>, or fewer when an item threw (<see cref="FailedItem"/>), or 0 when the
    /// chunk failed as a whole.
    /// </summary>
    public int ResultCount { get; private set; }

    /// <summary>The position in the chunk of the item that threw, or -1.</summary>
    public int FailedItem { get; private set; } = -1;

    /// <summary>
    /// What ended the chunk early: the exception the item at <see cref="FailedItem"/> threw (of its own type or a
    /// <see cref="RemoteInvocationException"/>, by <see cref="RemoteExceptionFactory"/>'s rule), or the failure or
    /// cancellation of the whole chunk; null when every item ran.
    /// </summary>
    public Exception? Error { get; private set; }

    /// <summary>What the item at <see cref="FailedItem"/> threw, as the worker reported it; null when no item threw.</summary>
    public RemoteError? ItemError { get; private set; }

    /// <summary>The worker that ran the item at <see cref="FailedItem"/>.</summary>
    public int? ItemWorkerId { get; private set; }

    /// <summary>The time the worker spent running the chunk's items, in nanoseconds.</summary>
    public long WorkerNanoseconds { get; private set; }

    /// <summary>Bytes of the answer's body: what automatic sizing learns the results' size from.</summary>
    public long ResultBytes { get; private set; }

    /// <summary>Gives the results array back to the pool, clearing references; the chunk must not be read afterwards.</summary>
    public void ReturnResults() => Return(Interlocked.Exchange(ref _results, null));

    protected override void SetResultFrom(in ReadOnlySequence<byte> body)
    {
        using var state = MemoryPackReaderOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        var reader = new MemoryPackReader(body, state);
        var count = reader.ReadUnmanaged<int>();
        if (count < 0 || count > Count)
        {
            // Not an answer this chunk can have: the worker broke the protocol (and is replaced for it).
            throw new OffloadProtocolException($"Worker answered a chunk of {Count} items with {count} results.");
        }

        var elapsed = reader.ReadUnmanaged<long>();
        TResult[]? results = null;
        RemoteError? error = null;
        try
        {
            if (_readResults && count > 0)
            {
                results = ArrayPool<TResult>.Shared.Rent(count);
                ReadResults(ref reader, body, results, count);
            }

            if (count < Count)
            {
                // Item 'count' threw: its error follows the results of the items before it.
                error = reader.ReadValue<RemoteError>() ?? RemoteError.Unknown;
            }

            if (reader.Consumed != body.Length)
            {
                throw new OffloadProtocolException($"The answer to a chunk of {Count} items had {body.Length - reader.Consumed} bytes after its end.");
            }
        }
        catch
        {
            Return(results);
            throw;
        }

        // Like a call that threw: run the whole chunk again when the method asks for retries on exceptions.
        if (error is not null && CallOutcomes.RetriesOnException(this, _pool.Scheduler))
        {
            Return(results);
            return;
        }

        if (!TryMarkCompleted())
        {
            // Canceled or failed while the answer was on its way.
            Return(results);
            return;
        }

        _results = results;
        ResultCount = count;
        WorkerNanoseconds = elapsed;
        ResultBytes = body.Length;
        if (error is null)
        {
            CountSuccess();
        }
        else
        {
            FailedItem = count;
            ItemError = error;
            ItemWorkerId = Worker?.Id;
            var failure = RemoteExceptionFactory.Create(error, Method.DisplayName, ItemWorkerId, _pool.Options.RemoteExceptions);
            Error = failure;
            CountFailure(failure);
        }

        Settle();
    }

    protected override void SetException(Exception exception)
    {
        // A chunk has no task of its own: the map reads the outcome when it settles, and reports it.
        Error = exception;
        Settle();
    }

    protected override void SetCanceled(CancellationToken cancellationToken)
    {
        Error = new OperationCanceledException(cancellationToken);
        Settle();
    }

    /// <summary>
    /// Reads <paramref name="count"/> results: those of a type without references with one copy of their raw bytes
    /// (<see cref="BatchLayout"/>), others one by one with MemoryPack. Optimized from the first call: with the worker's
    /// loop and the producer's, this is what a map costs per item.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadResults(ref MemoryPackReader reader, in ReadOnlySequence<byte> body, TResult[] results, int count)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TResult>())
        {
            for (var i = 0; i < count; i++)
            {
                results[i] = reader.ReadValue<TResult>()!;
            }

            return;
        }

        var bytes = (long)count * Unsafe.SizeOf<TResult>();
        if (bytes > body.Length - reader.Consumed)
        {
            throw new OffloadProtocolException($"The answer to a chunk is {body.Length} bytes, too short for its {count} results.");
        }

        body.Slice(reader.Consumed, bytes).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<TResult, byte>(ref MemoryMarshal.GetArrayDataReference(results)), (int)bytes));
        reader.Advance((int)bytes);
    }

    private static void Return(TResult[]? results)
    {
        if (results is not null)
        {
            ArrayPool<TResult>.Shared.Return(results, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<TResult>());
        }
    }

    private void Settle()
    {
        Volatile.Write(ref _settled, 1);
        _owner.OnChunkSettled(this);
    }
}
