namespace Offload.Parent;

/// <summary>
/// How the next worker is chosen: calls wait in one queue, in the order they came (calls handed back by a dead worker,
/// and retries, go to the front), and go to the ready worker with the fewest calls in flight that has room for one
/// more (its window: 1 + <see cref="WorkerPoolOptions.Prefetch"/>, or adaptive); ties rotate. Also settles what never
/// reaches a worker: calls refused by a stopping or faulted pool, and a drain that can no longer be served.
/// </summary>
/// <remarks>
/// Everything named <c>…Locked</c> runs under the pool's lock. Frames are written after it is released
/// (<see cref="Flush"/>), so that a slow socket never holds the pool.
/// </remarks>
internal sealed class CallScheduler
{
    private readonly WorkerPool _pool;
    private readonly CallQueue _queue = new();

    /// <summary>Calls a worker may have in flight (1 + <see cref="WorkerPoolOptions.Prefetch"/>), or 0 when that adapts per worker.</summary>
    private readonly int _window;
    private readonly Action<PendingCall> _onCallCanceled;
    private int _roundRobin;

    public CallScheduler(WorkerPool pool)
    {
        _pool = pool;
        _window = pool.Options.Prefetch is { } prefetch ? 1 + prefetch : 0;

        // Cached once: a method group converted per call would allocate a delegate on the hottest path.
        _onCallCanceled = OnCallCanceled;
    }

    /// <summary>Calls waiting for a worker.</summary>
    public int QueuedLocked => _queue.Count;

    /// <summary>Queues a call, then hands queued calls to workers with room.</summary>
    public void Submit(PendingCall call, CancellationToken cancellationToken)
    {
        call.Counters = _pool.Counters;
        call.RegisterCancellation(cancellationToken, _onCallCanceled);
        Flushes flushes = default;
        Exception? refusal = null;
        lock (_pool.Lock)
        {
            if (_pool.State >= PoolState.Draining)
            {
                refusal = new ObjectDisposedException(nameof(WorkerPool), $"The pool is shutting down; {call.Method.DisplayName} was not run.");
            }
            else if (_pool.Fault is { } fault)
            {
                refusal = fault;
            }
            else
            {
                // Through the queue even when a worker is free, so that calls are served in the order they came.
                _queue.Enqueue(call);
                flushes = AssignLocked();
            }
        }

        if (refusal is not null)
        {
            call.TryFail(refusal);
        }
        else
        {
            Flush(flushes, readLoopOf: null);
        }
    }

    /// <summary>A worker answered (or skipped) a call, on its read loop: give queued calls to whoever has room now.</summary>
    public void OnCallFinished(WorkerHandle worker)
    {
        Flushes flushes;
        List<PendingCall>? doomed = null;
        bool stop;
        lock (_pool.Lock)
        {
            stop = worker.IsRetiring && worker.CallsInFlight == 0;
            flushes = AssignLocked();
            CheckDrainedLocked(ref doomed);
        }

        if (stop)
        {
            _ = worker.StopAsync(_pool.Options.ShutdownTimeout);
        }

        FailAll(doomed);
        Flush(flushes, readLoopOf: worker);
    }

    /// <summary>
    /// Sends a failed call again, to the front of the queue, if its method allows another retry and the pool still
    /// runs; false when the failure must stand (see <see cref="CallOutcomes"/>).
    /// </summary>
    public bool TryRetry(PendingCall call)
    {
        Flushes flushes;
        lock (_pool.Lock)
        {
            if (_pool.Fault is not null || !_pool.CanStartWorkersLocked || !call.TryPrepareRetry())
            {
                return false;
            }

            _queue.EnqueueFront(call);
            flushes = AssignLocked();
        }

        Interlocked.Increment(ref _pool.Counters.Retried);
        Log.CallRetried(_pool.Logger, call.Method.DisplayName, call.Retries, call.Method.MaxRetries);

        // Retries are decided on a worker's read loop or its death report: the writes go to a pool thread.
        Flush(flushes, readLoopOf: null, deferAll: true);
        return true;
    }

    /// <summary>Puts calls that never started back at the front of the queue, or fails them if no worker will come.</summary>
    public void RequeueLocked(List<PendingCall> calls, ref List<PendingCall>? doomed)
    {
        if (calls.Count == 0)
        {
            return;
        }

        if (_pool.Fault is not null || !_pool.CanStartWorkersLocked)
        {
            (doomed ??= []).AddRange(calls);
            return;
        }

        _queue.EnqueueFront(calls);
    }

    /// <summary>Removes and returns every queued call (a shutdown that cancels them, or a fault).</summary>
    public List<PendingCall> DrainQueueLocked() => _queue.DrainAll();

    /// <summary>Takes calls off the queue for every ready worker with room, least busy first.</summary>
    public Flushes AssignLocked()
    {
        var flushes = default(Flushes);
        while (_queue.Count > 0 && PickWorkerLocked() is { } worker && _queue.TryDequeue(out var call))
        {
            if (!worker.TryAccept(call, out var wasIdle))
            {
                // Its channel just closed: it is no longer ready, so the next pick passes it by.
                _queue.EnqueueFront(call);
                continue;
            }

            flushes.Add(worker, wasIdle);
            if (++worker.CallsAssigned == _pool.Options.MaxCallsPerWorker)
            {
                // It gets no more calls; it stops once it has answered these, and a fresh worker takes its slot now.
                _pool.Roster.RetireLocked(worker);
                Log.WorkerRetiring(_pool.Logger, worker.Id, $"it was sent its {worker.CallsAssigned} calls (MaxCallsPerWorker)");
            }
        }

        return flushes;
    }

    /// <summary>
    /// Writes the frames just assigned. A call to an idle worker is written on this thread (its latency is the
    /// caller's), except on another worker's read loop, which must not write a socket that is not its own; every other
    /// write goes to a pool thread that takes the calls queued after it too.
    /// </summary>
    public static void Flush(in Flushes flushes, WorkerHandle? readLoopOf, bool deferAll = false)
    {
        for (var i = 0; i < flushes.Count; i++)
        {
            var (worker, wasIdle) = flushes[i];
            worker.Flush(now: wasIdle && !deferAll && (readLoopOf is null || ReferenceEquals(readLoopOf, worker)));
        }
    }

    /// <summary>Checks, under the lock, whether a drain is complete or can no longer be served (see <see cref="CheckDrainedLocked"/>).</summary>
    public void CheckDrained()
    {
        List<PendingCall>? doomed = null;
        lock (_pool.Lock)
        {
            CheckDrainedLocked(ref doomed);
        }

        FailAll(doomed);
    }

    /// <summary>
    /// While draining: completes the drain once nothing is queued or in flight; and if queued calls can no longer be
    /// served (no worker ready and none starting), fails them instead of waiting forever.
    /// </summary>
    public void CheckDrainedLocked(ref List<PendingCall>? doomed)
    {
        if (_pool.State != PoolState.Draining)
        {
            return;
        }

        if (!_queue.IsEffectivelyEmpty() && (_pool.Fault is not null || !_pool.Roster.CanServeLocked))
        {
            (doomed ??= []).AddRange(_queue.DrainAll());
        }

        if (_queue.IsEffectivelyEmpty() && !_pool.Roster.HasCallsInFlightLocked())
        {
            _pool.OnDrained();
        }
    }

    /// <summary>Fails calls that no worker will run, with the pool's fault or as shut down.</summary>
    public void FailAll(List<PendingCall>? calls)
    {
        if (calls is null)
        {
            return;
        }

        Exception failure = _pool.Fault ?? new ObjectDisposedException(nameof(WorkerPool), "The pool shut down before a worker could run the call.");
        foreach (var call in calls)
        {
            call.TryFail(failure);
        }
    }

    /// <summary>The caller gave up on a call (left a stream early): it completes as canceled, and its worker is told.</summary>
    public void Cancel(PendingCall call)
    {
        if (call.TryCancel(CancellationToken.None))
        {
            OnCallCanceled(call);
        }
    }

    private void OnCallCanceled(PendingCall call)
    {
        // A queued call is dropped when it reaches the head of the queue; one already sent is cancelled in the worker.
        call.Worker?.SendCancel(call);
        CheckDrained();
    }

    /// <summary>The ready worker with the fewest calls in flight and room for one more; ties rotate.</summary>
    private WorkerHandle? PickWorkerLocked()
    {
        var ready = _pool.Roster.ReadyLocked;
        WorkerHandle? best = null;
        var bestInFlight = int.MaxValue;
        var count = ready.Count;
        var start = count == 0 ? 0 : (int)((uint)_roundRobin++ % (uint)count);
        for (var i = 0; i < count; i++)
        {
            var worker = ready[(start + i) % count];
            var inFlight = worker.CallsInFlight;
            if (worker.IsReady && inFlight < (_window > 0 ? _window : worker.AdaptiveWindow) && inFlight < bestInFlight && worker.StreamsInFlight == 0)
            {
                best = worker;
                bestInFlight = inFlight;
                if (inFlight == 0)
                {
                    break;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// The workers given calls under the pool's lock, to flush after it is released, and whether each was idle. The
    /// first is held inline: most submissions assign exactly one call, and that path should not allocate.
    /// </summary>
    internal struct Flushes
    {
        private (WorkerHandle Worker, bool WasIdle) _first;
        private List<(WorkerHandle Worker, bool WasIdle)>? _rest;

        public int Count { get; private set; }

        public readonly (WorkerHandle Worker, bool WasIdle) this[int index] => index == 0 ? _first : _rest![index - 1];

        public void Add(WorkerHandle worker, bool wasIdle)
        {
            if (Count == 0)
            {
                _first = (worker, wasIdle);
            }
            else
            {
                (_rest ??= []).Add((worker, wasIdle));
            }

            Count++;
        }
    }
}
