using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using MemoryPack;
using Offload.Protocol;
using Offload.Transport;

namespace Offload.Parent;

/// <summary>
/// The parent's handle on one worker: its state (<see cref="WorkerState"/>), its channel and the frames that arrive
/// on it, and the calls it was given (<see cref="InFlightLedger"/>). Its process is a <see cref="WorkerProcess"/>;
/// what each call's caller sees when the worker answers or dies is decided by <see cref="CallOutcomes"/>.
/// </summary>
internal sealed partial class WorkerHandle : IFrameHandler
{
    /// <summary>The id of the ping that ends a worker's warm-up; call ids start at 1, so it is never a call's.</summary>
    private const long WarmupPingId = 0;

    private readonly WorkerPool _pool;
    private readonly WorkerProcess _process;
    private readonly WorkerPoolOptions _options;
    private readonly Lock _lock = new();
    private readonly InFlightLedger _inFlight = new();
    private readonly HashSet<Assembly> _loadedAssemblies = [];
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FrameChannel? _channel;
    private WorkerState _state;
    private long _callsCompleted;
    private long _killedForCallId = -1;
    private string? _recycleReason;

    public WorkerHandle(WorkerPool pool, int id, int slot, WorkerLauncher launcher, PoolEndpoint endpoint, WorkerPoolOptions options)
    {
        _pool = pool;
        Id = id;
        Slot = slot;
        _options = options;
        _process = new WorkerProcess(id, launcher.CreateStartInfo(id, endpoint.SocketPath, options, endpoint.SharedMemory?.Settings), options, OnProcessExited, pool.OnOutputSinkFailed);
    }

    public int Id { get; }

    public int Slot { get; }

    public int ProcessId => _process.ProcessId;

    /// <summary>Calls ever given to this worker; maintained by the scheduler under the pool's lock (for <see cref="WorkerPoolOptions.MaxCallsPerWorker"/>).</summary>
    public int CallsAssigned { get; set; }

    /// <summary>Streamed calls given to this worker and not ended yet; read without locks by the scheduler.</summary>
    public int StreamsInFlight => _inFlight.Streams;

    /// <summary>Calls given to this worker and not answered yet; read without locks by the scheduler.</summary>
    public int CallsInFlight => _inFlight.Count;

    /// <summary>How many calls it may have in flight when <see cref="WorkerPoolOptions.Prefetch"/> is automatic (see <see cref="InFlightLedger.AdaptiveWindow"/>).</summary>
    public int AdaptiveWindow => _inFlight.AdaptiveWindow;

    /// <summary>
    /// True once the pool retired it; read under the pool's lock, which every move into <see cref="WorkerState.Retiring"/>
    /// holds (see <see cref="TryRetire"/>), so it needs not take the worker's.
    /// </summary>
    public bool IsRetiring => _state == WorkerState.Retiring;

    /// <summary>True while the worker takes calls.</summary>
    /// <remarks>Read without the lock by the scheduler's pick; <see cref="TryAccept"/> checks again under it.</remarks>
    public bool IsReady => _state == WorkerState.Serving;

    /// <summary>Why the pool killed this worker on purpose (a timeout, an ignored cancellation); null if it did not.</summary>
    public string? RecycleReason => Volatile.Read(ref _recycleReason);

    /// <summary>Completes when the worker has connected, said a valid hello and warmed up; faults if it dies first.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes once the worker is gone and its calls were settled or handed back.</summary>
    public Task Terminated => _terminated.Task;

    public WorkerInfo Snapshot() => new(Id, ProcessId, Interlocked.Read(ref _callsCompleted), _inFlight.Count);

    /// <summary>
    /// Takes a call into the ledger and the channel, in the same order (the worker runs calls in channel order, so the
    /// ledger's head is the running call); nothing is written until <see cref="Flush"/>. False when the worker can no
    /// longer take calls: its channel closed, so it becomes <see cref="WorkerState.Broken"/>. Called under the pool's
    /// lock (the lock order is pool, then worker, then channel).
    /// </summary>
    public bool TryAccept(PendingCall call, out bool wasIdle)
    {
        wasIdle = false;
        lock (_lock)
        {
            if (_state != WorkerState.Serving || _channel is not { } channel)
            {
                return false;
            }

            // Sent on the same ordered channel just before the call, so the worker has it loaded in time.
            if (!SendLoadAssemblyLocked(channel, call.Method.Assembly))
            {
                _state = WorkerState.Broken;
                return false;
            }

            wasIdle = _inFlight.Add(call);
            call.AssignTo(this);
            if (!channel.TryEnqueue(call))
            {
                _inFlight.Withdraw(call.CallId);
                call.Unassign();
                _state = WorkerState.Broken;
                return false;
            }

            return true;
        }
    }

    /// <summary>
    /// Writes what was queued for this worker: on this thread (<paramref name="now"/>; a call to an idle worker, whose
    /// latency is the caller's), or on a pool thread that also takes the calls queued after it (a busy worker, which
    /// waits for its running call anyway; under load many calls then leave in one system call). Never call it holding
    /// a lock: the writer may settle a canceled call, which takes locks.
    /// </summary>
    public void Flush(bool now)
    {
        if (Volatile.Read(ref _channel) is not { } channel)
        {
            return;
        }

        if (now)
        {
            channel.Flush();
        }
        else
        {
            channel.FlushDeferred();
        }
    }

    /// <summary>Asks the worker to cancel a call it was given.</summary>
    public void SendCancel(PendingCall call)
    {
        FrameChannel? channel = null;
        lock (_lock)
        {
            if (_channel is not null && _inFlight.Contains(call.CallId) && _channel.TryEnqueue(FrameBuffer.CreateEmpty(FrameKind.Cancel, call.CallId)))
            {
                channel = _channel;
            }
        }

        channel?.Flush();
    }

    /// <summary>Tells the worker that the caller took <paramref name="count"/> more items of a streamed call.</summary>
    public void SendCredit(PendingCall call, int count)
    {
        FrameChannel? channel = null;
        lock (_lock)
        {
            if (_channel is not null && _inFlight.Contains(call.CallId) && _channel.TryEnqueue(CreditMessage.Create(call.CallId, count)))
            {
                channel = _channel;
            }
        }

        channel?.Flush();
    }

    /// <summary>A call that was canceled before its frame left: the worker never sees it, so it stops counting it.</summary>
    public void OnCallSkipped(PendingCall call)
    {
        bool removed;
        lock (_lock)
        {
            removed = _inFlight.TryRemove(call.CallId, out _);
        }

        if (removed)
        {
            _pool.Scheduler.OnCallFinished(this);
        }
    }

    public void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> body)
    {
        _pool.Metrics.RecordReceived(header.FrameLength);
        switch (header.Kind)
        {
            case FrameKind.Result:
            case FrameKind.Error:
            case FrameKind.Canceled:
            case FrameKind.StreamEnd:
                if (header.CallId == WarmupPingId && header.Kind == FrameKind.Error && !_connected.Task.IsCompleted)
                {
                    FailWarmup(body);
                    break;
                }

                OnAnswer(header, body);
                break;
            case FrameKind.Pong when header.CallId == WarmupPingId:
                _connected.TrySetResult();
                break;
            case FrameKind.Retire:
                _pool.Roster.OnRetireRequested(this, ReadMessage<string>(body, "retire request") ?? "no reason given");
                break;
            case FrameKind.Progress:
                OnProgress(header.CallId, body);
                break;
            case FrameKind.StreamItem:
                OnStreamItem(header.CallId, body);
                break;
            case FrameKind.Log:
                OnLog(header.CallId, body);
                break;
            case FrameKind.Pong:
                break;
            default:
                throw new OffloadProtocolException($"Unexpected frame kind {(byte)header.Kind} from worker {Id}.");
        }
    }

    /// <summary>
    /// Enforces the running call's limits; called by the pool's supervisor a few times a second. A call past its
    /// timeout, or canceled and still running after the grace period, gets the worker killed: nothing else stops code
    /// that does not return. The call is settled once the worker is dead (see <see cref="Terminate"/>), so that a
    /// retried call never runs twice at the same time.
    /// </summary>
    public void CheckDeadlines(long now)
    {
        string? reason = null;
        lock (_lock)
        {
            if (_state is not (WorkerState.Serving or WorkerState.Retiring) || _inFlight.Head is not { } head)
            {
                return;
            }

            if (head.IsCompleted)
            {
                var since = Math.Max(head.CanceledAt, _inFlight.HeadSince);
                if (Stopwatch.GetElapsedTime(since, now) > _options.CancellationGracePeriod)
                {
                    reason = $"it kept running {head.Method.DisplayName} for {_options.CancellationGracePeriod.TotalSeconds:0.###} s after the call was canceled";
                }
            }
            else if ((head.Method.Timeout ?? _options.CallTimeout) is { } timeout && Stopwatch.GetElapsedTime(_inFlight.HeadSince, now) > timeout)
            {
                _killedForCallId = head.CallId;
                reason = $"{head.Method.DisplayName} ran past its timeout of {timeout.TotalSeconds:0.###} s";
            }

            if (reason is not null)
            {
                Volatile.Write(ref _recycleReason, reason);
                _state = WorkerState.Recycling;
            }
        }

        if (reason is not null)
        {
            _process.Kill();
        }
    }

    /// <summary>The pool takes this worker out of rotation (under the pool's lock); false if it was not serving.</summary>
    public bool TryRetire()
    {
        lock (_lock)
        {
            if (_state != WorkerState.Serving)
            {
                return false;
            }

            _state = WorkerState.Retiring;
            return true;
        }
    }

    private void OnAnswer(in FrameHeader header, in ReadOnlySequence<byte> body)
    {
        PendingCall? call;
        lock (_lock)
        {
            if (!_inFlight.TryRemove(header.CallId, out call))
            {
                throw new OffloadProtocolException($"Worker {Id} answered call {header.CallId}, which it was not running.");
            }
        }

        Interlocked.Increment(ref _callsCompleted);
        try
        {
            switch (header.Kind)
            {
                case FrameKind.Result:
                case FrameKind.StreamEnd:
                    call.CompleteFromResult(body);
                    break;
                case FrameKind.Error:
                    var error = ReadMessage<RemoteError>(body, $"error for call {call.CallId}") ?? RemoteError.Unknown;
                    CallOutcomes.SettleRemoteError(call, error, Id, _options, _pool.Scheduler);
                    break;
                default:
                    call.TryCancel(CancellationToken.None);
                    break;
            }
        }
        catch (Exception ex)
        {
            // The call is no longer in flight, so the worker's death would not reach it: fail it here.
            call.TryFail(ex as OffloadException ?? new OffloadProtocolException($"Worker {Id} sent an unreadable answer for call {call.CallId}.", ex));
            throw;
        }
        finally
        {
            _pool.Scheduler.OnCallFinished(this);
        }
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000:Avoid accessing Assembly file path when publishing as a single file",
        Justification = "The location is only a fallback for assemblies outside the app's deps.json; in a single-file or NativeAOT app it is empty and not sent.")]
    private bool SendLoadAssemblyLocked(FrameChannel channel, Assembly assembly)
    {
        if (_loadedAssemblies.Contains(assembly))
        {
            return true;
        }

        var load = FrameBuffer.Create();
        new LoadAssemblyMessage { FullName = assembly.FullName!, Location = assembly.Location is { Length: > 0 } location ? location : null }.Write(load);
        load.Seal(FrameKind.LoadAssembly, 0);
        if (!channel.TryEnqueue(load))
        {
            return false;
        }

        _loadedAssemblies.Add(assembly);
        return true;
    }

    private T? ReadMessage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(in ReadOnlySequence<byte> body, string what)
    {
        try
        {
            return MemoryPackSerializer.Deserialize<T>(body);
        }
        catch (Exception ex)
        {
            throw new OffloadProtocolException($"Worker {Id} sent an unreadable {what}.", ex);
        }
    }
}
