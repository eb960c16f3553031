using System.Buffers;
using System.Threading.Channels;
using Offload.CompilerServices;
using Offload.Protocol;

namespace Offload.Parent.Streaming;

/// <summary>
/// A streamed call from the parent's side, and the caller's enumerator over its items. Items read on the worker's
/// read loop wait in a queue for the caller; as the caller takes them, credit goes back to the worker, which sends at
/// most <see cref="WorkerPoolOptions.StreamWindow"/> items beyond what the caller took, so the queue stays bounded.
/// </summary>
/// <remarks>
/// The call's end (<see cref="FrameKind.StreamEnd"/>) or failure completes the queue: the caller gets every item that
/// arrived, then the end or the exception. A cancellation ends it at once: the next <see cref="MoveNextAsync"/> throws. A stream is never sent again once an item arrived: the caller has
/// seen part of its result.
/// </remarks>
internal sealed class PendingStreamCall<TItem> : PendingCall, IStreamedCall, IAsyncEnumerator<TItem>
{
    private readonly Channel<TItem> _items = Channel.CreateUnbounded<TItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CallScheduler _scheduler;
    private readonly int _creditBatch;
    private readonly CancellationTokenSource? _linked;
    private OperationCanceledException? _canceled;
    private int _received;
    private int _takenSinceCredit;

    public PendingStreamCall(MethodDescriptor method, FrameBuffer frame, long callId, CallScheduler scheduler, int window, CancellationTokenSource? linked)
        : base(method, frame, callId)
    {
        _scheduler = scheduler;
        _linked = linked;

        // Credit goes back in batches of half a window: one frame per item would double the traffic of small items,
        // and half a window keeps the worker busy while the credit travels.
        _creditBatch = Math.Max(1, window / 2);
    }

    public override bool IsStream => true;

    public TItem Current { get; private set; } = default!;

    protected override bool MayRetry => Volatile.Read(ref _received) == 0;

    public void OnItem(in ReadOnlySequence<byte> body)
    {
        if (IsCompleted)
        {
            // Canceled (or failed) while items were on their way: the caller no longer reads them.
            return;
        }

        var item = FrameBody.Read<TItem>(body);
        Interlocked.Increment(ref _received);
        _items.Writer.TryWrite(item!);
    }

    public async ValueTask<bool> MoveNextAsync()
    {
        // A canceled stream ends at once: items already here are not handed out after the caller canceled.
        if (Volatile.Read(ref _canceled) is { } canceled)
        {
            throw canceled;
        }

        TItem? item;
        while (!_items.Reader.TryRead(out item))
        {
            // Throws what ended the call, after every item that came before it.
            if (!await _items.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                return false;
            }
        }

        Current = item;
        if (++_takenSinceCredit >= _creditBatch && !IsCompleted)
        {
            Worker?.SendCredit(this, _takenSinceCredit);
            _takenSinceCredit = 0;
        }

        return true;
    }

    public ValueTask DisposeAsync()
    {
        // Leaving the loop early (break, an exception in the loop's body) cancels the call in the worker.
        if (!IsCompleted)
        {
            _scheduler.Cancel(this);
        }

        _linked?.Dispose();
        return default;
    }

    protected override void SetResultFrom(in ReadOnlySequence<byte> body)
    {
        if (TryMarkCompleted())
        {
            CountSuccess();
            AfterLastReport(() => _items.Writer.TryComplete());
        }
    }

    protected override void SetException(Exception exception) => AfterLastReport(() => _items.Writer.TryComplete(exception));

    protected override void SetCanceled(CancellationToken cancellationToken)
    {
        var canceled = new OperationCanceledException(cancellationToken);
        Volatile.Write(ref _canceled, canceled);
        AfterLastReport(() => _items.Writer.TryComplete(canceled));
    }
}
