using System.Buffers;
using Offload.CompilerServices;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>
/// A call from the moment it is submitted until its task completes. Holds the encoded call frame, so that a call that
/// was queued on a worker that died can be sent again, unchanged, to another worker.
/// </summary>
/// <remarks>
/// The frame is guarded by locking the call itself (the type is internal, so no one else can): a lock object per call
/// would be one more allocation on the hottest path.
/// </remarks>
internal abstract class PendingCall
{
    private int _completed;
    private long _canceledAt;
    private int _queueSlotReleased;
    private bool _written;
    private FrameBuffer? _frame;
    private CancellationTokenRegistration _registration;

    protected PendingCall(MethodDescriptor method, FrameBuffer frame, long callId)
    {
        Method = method;
        _frame = frame;
        CallId = callId;
    }

    public MethodDescriptor Method { get; }

    public long CallId { get; }

    /// <summary>The worker the call was last sent to; <see langword="null"/> while queued in the pool.</summary>
    public WorkerHandle? Worker { get; set; }

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>
    /// True once the call's frame was flushed to its current worker's socket. A call that was queued for a worker
    /// that died but never reached the socket cannot have run there, so it goes to another worker instead of failing.
    /// </summary>
    public bool IsWritten
    {
        get => Volatile.Read(ref _written);
        set => Volatile.Write(ref _written, value);
    }

    /// <summary>Times this call was at the head of a dying worker without its frame being known to have been sent.</summary>
    public int UnconfirmedDeaths { get; set; }

    /// <summary>Times this call was sent again after a failure (<see cref="MethodDescriptor.MaxRetries"/>).</summary>
    public int Retries { get; set; }

    /// <summary>The pool's counters, set when the call is submitted; the call counts its own outcome there.</summary>
    public PoolCounters? Counters { get; set; }

    /// <summary>The pool's queue bound, when this call took one of its slots and has not given it back yet.</summary>
    public SemaphoreSlim? QueueSlot { get; set; }

    /// <summary>
    /// When the caller canceled the call (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), for the grace
    /// period; 0 if it was not canceled. Only cancellations need the time, so other completions do not read the clock.
    /// </summary>
    public long CanceledAt => Volatile.Read(ref _canceledAt);

    /// <summary>
    /// Copies the encoded call frame to <paramref name="destination"/>; false when the call already completed (it was
    /// canceled), in which case nothing is written. The lock keeps completion from returning the frame's pooled array
    /// while it is being copied.
    /// </summary>
    internal bool TryCopyFrameTo(ref Transport.FrameChannel.SpanAppender destination)
    {
        lock (this)
        {
            if (_frame is not { } frame || IsCompleted)
            {
                return false;
            }

            destination.Append(frame.WrittenSpan);
            return true;
        }
    }

    public void RegisterCancellation(CancellationToken cancellationToken, Action<PendingCall> onCanceled)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(
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

        SetException(exception);
        if (Counters is { } counters)
        {
            Interlocked.Increment(ref counters.Failed);
            if (exception is CallTimeoutException)
            {
                Interlocked.Increment(ref counters.TimedOut);
            }
        }

        return true;
    }

    public bool TryCancel(CancellationToken cancellationToken)
    {
        // Written before the call counts as completed: the supervisor, seeing it completed, must find the time too.
        Volatile.Write(ref _canceledAt, System.Diagnostics.Stopwatch.GetTimestamp());
        if (!TryMarkCompleted())
        {
            return false;
        }

        SetCanceled(cancellationToken);
        if (Counters is { } counters)
        {
            Interlocked.Increment(ref counters.Canceled);
        }

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
        _registration.Unregister();
        lock (this)
        {
            _frame?.Dispose();
            _frame = null;
        }

        return true;
    }

    /// <summary>Gives the call's queue slot back, once: when a worker takes the call, or when it completes first.</summary>
    public void ReleaseQueueSlot()
    {
        if (QueueSlot is not null && Interlocked.Exchange(ref _queueSlotReleased, 1) == 0)
        {
            QueueSlot.Release();
        }
    }

    /// <summary>Counts a successful completion; called by the subclasses once they set the result.</summary>
    protected void CountSuccess()
    {
        if (Counters is { } counters)
        {
            Interlocked.Increment(ref counters.Succeeded);
        }
    }

    protected abstract void SetResultFrom(in ReadOnlySequence<byte> body);

    protected abstract void SetException(Exception exception);

    protected abstract void SetCanceled(CancellationToken cancellationToken);
}

/// <summary>A call that returns a value of type <typeparamref name="TResult"/>.</summary>
internal sealed class PendingCall<TResult> : PendingCall
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingCall(MethodDescriptor method, FrameBuffer frame, long callId)
        : base(method, frame, callId)
    {
    }

    public Task Task => _completion.Task;

    public Task<TResult> TypedTask => _completion.Task;

    protected override void SetResultFrom(in ReadOnlySequence<byte> body)
    {
        var result = FrameBody.Read<TResult>(body);
        if (TryMarkCompleted())
        {
            _completion.SetResult(result!);
            CountSuccess();
        }
    }

    protected override void SetException(Exception exception) => _completion.SetException(exception);

    protected override void SetCanceled(CancellationToken cancellationToken) => _completion.SetCanceled(cancellationToken);
}

/// <summary>A call with no result.</summary>
internal sealed class PendingVoidCall : PendingCall
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingVoidCall(MethodDescriptor method, FrameBuffer frame, long callId)
        : base(method, frame, callId)
    {
    }

    public Task Task => _completion.Task;

    protected override void SetResultFrom(in ReadOnlySequence<byte> body)
    {
        if (TryMarkCompleted())
        {
            _completion.SetResult();
            CountSuccess();
        }
    }

    protected override void SetException(Exception exception) => _completion.SetException(exception);

    protected override void SetCanceled(CancellationToken cancellationToken) => _completion.SetCanceled(cancellationToken);
}
