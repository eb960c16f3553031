using System.Buffers;
using Offload.CompilerServices;
using Offload.Protocol;
using Offload.Telemetry;
using Offload.Transport;

namespace Offload.Parent;

/// <summary>
/// A call from the moment it is submitted until its task completes. Holds the encoded call frame, so that a call that
/// was queued on a worker that died can be sent again, unchanged, to another worker.
/// </summary>
/// <remarks>
/// The frame is guarded by locking the call itself (the type is internal, so no one else can): a lock object per call
/// would be one more allocation on the hottest path.
/// </remarks>
internal abstract class PendingCall : IOutgoingFrame
{
    /// <summary>
    /// Frames up to this size (a trivial call's: header, method id and a few bytes of arguments) are kept inside the
    /// call itself, and their pooled array goes back at once. With many calls outstanding the array pool runs dry, so
    /// every kept array was a fresh 88-byte allocation; inline, a call costs 32 bytes more and no array.
    /// </summary>
    internal const int InlineFrameBytes = 32;

    private int _completed;
    private InlineFrame _inlineFrame;
    // Bytes, not ints: with _written, the three fit where the ints leave room, and a trivial call's object stays at
    // 120 bytes rather than 128. _inlineLength is the length of the frame kept inline (see InlineFrameBytes); 0 when
    // the frame is a FrameBuffer, or was let go.
    private byte _inlineLength;
    private byte _queueSlotReleased;
    private bool _written;
    private int _unconfirmedDeaths;
    private FrameBuffer? _frame;
    private WorkerHandle? _worker;
    private PendingCallExtras? _extras;

    protected PendingCall(MethodDescriptor method, FrameBuffer frame, long callId)
    {
        Method = method;
        CallId = callId;
        if (frame.Length <= InlineFrameBytes)
        {
            frame.WrittenSpan.CopyTo(_inlineFrame);
            _inlineLength = (byte)frame.Length;
            frame.Dispose();
        }
        else
        {
            _frame = frame;
        }
    }

    public MethodDescriptor Method { get; }

    public long CallId { get; }

    /// <summary>The worker the call was last given to; <see langword="null"/> while queued in the pool.</summary>
    public WorkerHandle? Worker => Volatile.Read(ref _worker);

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>Times this call was sent again after a failure (<see cref="MethodDescriptor.MaxRetries"/>).</summary>
    public int Retries { get; private set; }

    /// <summary>Whether the call streams its result: its worker takes no other call until the stream ends.</summary>
    public virtual bool IsStream => false;

    /// <summary>Whether the call may still be sent again after a failure; a stream that delivered an item may not.</summary>
    protected virtual bool MayRetry => true;

    /// <summary>The pool's counters, set when the call is submitted; the call counts its own outcome there.</summary>
    public PoolCounters? Counters { get; set; }

    /// <summary>Where the worker's progress reports go; <see langword="null"/> when the caller gave none.</summary>
    public ProgressReceiver? Progress { get => _extras?.Progress; init => Extras(value)?.Progress = value; }

    /// <summary>The call's span and timings while a listener wants them (<see cref="CallTelemetry"/>); null otherwise.</summary>
    public CallTelemetry? Telemetry { get => _extras?.Telemetry; init => Extras(value)?.Telemetry = value; }

    /// <summary>The pool's queue bound, when this call took one of its slots and has not given it back yet.</summary>
    public SemaphoreSlim? QueueSlot { get => _extras?.QueueSlot; init => Extras(value)?.QueueSlot = value; }

    /// <summary>
    /// When the caller canceled the call (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), for the grace
    /// period; 0 if it was not canceled. Only cancellations need the time, so other completions do not read the clock.
    /// </summary>
    public long CanceledAt => _extras is { } extras ? Volatile.Read(ref extras.CanceledAt) : 0;

    /// <summary>
    /// A worker took the call (under its lock, as the call joins its in-flight calls and channel): the call's queue
    /// slot is given back, and its frame is not known to have reached that worker yet.
    /// </summary>
    public void AssignTo(WorkerHandle worker)
    {
        Volatile.Write(ref _written, false);
        Volatile.Write(ref _worker, worker);
        ReleaseQueueSlot();
        Telemetry?.OnAssigned();
    }

    /// <summary>The worker's channel refused the call: it goes back to the pool's queue.</summary>
    public void Unassign() => Volatile.Write(ref _worker, null);

    /// <summary>
    /// Whether the call may have been running on a worker that just died with it at the head of its calls. A call
    /// whose frame was never flushed to the socket cannot have run there, so it may go to another worker as if unsent;
    /// but only once: the flag is set just after the flush returns, and a call that kills its worker within that
    /// instant must not get to kill worker after worker.
    /// </summary>
    public bool MayHaveRunOnDeadWorker()
    {
        if (Volatile.Read(ref _written) || _unconfirmedDeaths > 0)
        {
            return true;
        }

        _unconfirmedDeaths++;
        return false;
    }

    /// <summary>
    /// Takes one of the method's retries, if any is left and the call is still open, and makes the call a queued one
    /// again: no worker, not written, a fresh count of unconfirmed deaths. The pool then queues it at the front.
    /// </summary>
    public bool TryPrepareRetry()
    {
        if (IsCompleted || Retries >= Method.MaxRetries || !MayRetry)
        {
            return false;
        }

        Retries++;
        Telemetry?.OnRetry(Retries, _worker?.Id);
        Volatile.Write(ref _worker, null);
        Volatile.Write(ref _written, false);
        _unconfirmedDeaths = 0;
        return true;
    }

    /// <summary>
    /// Copies the encoded call frame to the channel's write buffer; false when the call already completed (it was
    /// canceled), in which case nothing is written and its worker stops counting it. The lock keeps completion from
    /// returning the frame's pooled array while it is being copied.
    /// </summary>
    bool IOutgoingFrame.TryWriteTo(ref FrameWriter destination)
    {
        lock (this)
        {
            if (!IsCompleted)
            {
                if (_frame is { } frame)
                {
                    // Its bytes, or its shared-memory descriptor if the arguments were large.
                    destination.Append(frame);
                    return true;
                }

                if (_inlineLength > 0)
                {
                    destination.Append(((ReadOnlySpan<byte>)_inlineFrame)[.._inlineLength]);
                    return true;
                }
            }
        }

        Worker?.OnCallSkipped(this);
        return false;
    }

    /// <summary>The frame reached the worker's socket: from now on, a dying worker may have run the call.</summary>
    void IOutgoingFrame.OnWritten() => Volatile.Write(ref _written, true);

    public void RegisterCancellation(CancellationToken cancellationToken, Action<PendingCall> onCanceled)
    {
        if (cancellationToken.CanBeCanceled)
        {
            // The extras exist before the callback can run: it may run at once, on this thread, and writes CanceledAt there.
            var extras = Extras();
            extras.Registration = cancellationToken.UnsafeRegister(
                static (state, token) =>
                {
                    var (call, callback) = ((PendingCall, Action<PendingCall>))state!;
                    if (call.TryCancel(token))
                    {
                        callback(call);
                    }
                },
                (this, onCanceled));
        }
    }

    /// <summary>Completes the call from a result frame's body.</summary>
    public void CompleteFromResult(in ReadOnlySequence<byte> body)
    {
        if (IsCompleted)
        {
            return;
        }

        try
        {
            SetResultFrom(body);
        }
        catch (Exception ex) when (ex is not OffloadException)
        {
            TryFail(new OffloadSerializationException($"The result of {Method.DisplayName} could not be read: {ex.Message}", ex)
            {
                MethodName = Method.DisplayName,
                WorkerId = Worker?.Id,
            });
        }
    }

    public bool TryFail(Exception exception)
    {
        if (!TryMarkCompleted())
        {
            return false;
        }

        // Counted before the caller's task completes, so that statistics read right after an await include the call.
        CountFailure(exception);
        SetException(exception);
        return true;
    }

    public bool TryCancel(CancellationToken cancellationToken)
    {
        // Written before the call counts as completed: the supervisor, seeing it completed, must find the time too.
        Volatile.Write(ref Extras().CanceledAt, System.Diagnostics.Stopwatch.GetTimestamp());
        if (!TryMarkCompleted())
        {
            return false;
        }

        if (Counters is { } counters)
        {
            Interlocked.Increment(ref counters.Canceled);
        }

        Telemetry?.End(this, TelemetryNames.Outcomes.Canceled, null);
        SetCanceled(cancellationToken);
        return true;
    }

    protected bool TryMarkCompleted()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        ReleaseQueueSlot();

        // The registration is disposed without waiting: this may run inside the cancellation callback itself.
        _extras?.Registration.Unregister();
        lock (this)
        {
            _frame?.Dispose();
            _frame = null;
            _inlineLength = 0;
        }

        return true;
    }

    /// <summary>Gives the call's queue slot back, once: when a worker takes the call, or when it completes first.</summary>
    private void ReleaseQueueSlot()
    {
        if (QueueSlot is not null && Interlocked.Exchange(ref _queueSlotReleased, (byte)1) == 0)
        {
            QueueSlot.Release();
        }
    }

    /// <summary>Counts a successful completion; called by the subclasses just before they set the result, so that statistics read after an await include the call.</summary>
    protected void CountSuccess()
    {
        if (Counters is { } counters)
        {
            Interlocked.Increment(ref counters.Succeeded);
        }

        Telemetry?.End(this, TelemetryNames.Outcomes.Success, null);
    }

    /// <summary>
    /// Counts a failure (and a timeout), and ends the call's telemetry with it; like <see cref="CountSuccess"/>, just
    /// before the caller sees it. <see cref="TryFail"/> calls it; a map chunk whose item threw, directly.
    /// </summary>
    protected void CountFailure(Exception exception)
    {
        if (Counters is { } counters)
        {
            Interlocked.Increment(ref counters.Failed);
            if (exception is CallTimeoutException)
            {
                Interlocked.Increment(ref counters.TimedOut);
            }
        }

        Telemetry?.End(this, TelemetryNames.Outcomes.Of(exception), exception);
    }

    /// <summary>
    /// Runs <paramref name="complete"/>, which completes the caller's task, once every progress report received so
    /// far reached the caller: a call never completes before its last report.
    /// </summary>
    protected void AfterLastReport(Action complete)
    {
        if (Progress is { } progress)
        {
            progress.WhenDelivered(complete);
        }
        else
        {
            complete();
        }
    }

    protected abstract void SetResultFrom(in ReadOnlySequence<byte> body);

    protected abstract void SetException(Exception exception);

    protected abstract void SetCanceled(CancellationToken cancellationToken);

    /// <summary>
    /// The call's rarely used parts, created on first use, at most once even when a cancellation races the caller: a
    /// trivial call with no progress, telemetry, queue bound or cancellable token then carries one reference instead
    /// of 48 bytes of fields it never uses.
    /// </summary>
    private PendingCallExtras Extras() =>
        Volatile.Read(ref _extras) ?? Interlocked.CompareExchange(ref _extras, new PendingCallExtras(), null) ?? _extras!;

    /// <summary>The extras when <paramref name="value"/> is to be kept in them; null (nothing created) when it is null.</summary>
    private PendingCallExtras? Extras(object? value) => value is null ? null : Extras();

    /// <summary>Room for a small frame inside the call (see <see cref="InlineFrameBytes"/>).</summary>
    [System.Runtime.CompilerServices.InlineArray(InlineFrameBytes)]
    private struct InlineFrame
    {
        private byte _first;
    }
}
