using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Dispatch;
using Offload.Protocol;
using Offload.Transport;
using Offload.Workers;

namespace Offload;

/// <summary>
/// A pool of worker processes that run <c>[RunInWorkerProcess]</c> methods. Calls queue in the pool and go to the
/// least busy worker; each worker runs one call at a time, with up to <see cref="WorkerPoolOptions.Prefetch"/> more
/// sent ahead. A worker that dies costs only the call it was running: the calls queued behind it run elsewhere and
/// the pool starts a replacement.
/// </summary>
/// <remarks>
/// Workers start on the first call, or up front with <see cref="StartAsync"/>. <see cref="DisposeAsync"/> lets
/// queued and running calls finish, then stops the workers. Workers exit by themselves if this process dies.
/// </remarks>
public sealed class WorkerPool : IAsyncDisposable
{
    private const int MaxConsecutiveStartFailures = 3;

    private static readonly Lock SharedLock = new();
    private static readonly HashSet<WorkerPool> LivePools = [];
    private static WorkerPoolOptions? sharedOptions;
    private static WorkerPool? shared;

    private readonly WorkerPoolOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CallQueue _queue = new();
    private readonly List<Worker> _ready = [];
    private readonly Dictionary<int, Worker> _starting = [];
    private readonly Worker?[] _slots;
    private readonly TaskCompletionSource _allReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _window;
    private PoolEndpoint? _endpoint;
    private WorkerLauncher? _launcher;
    private Exception? _fault;
    private Task? _disposeTask;
    private PoolState _state;
    private long _nextCallId;
    private int _nextWorkerId;
    private int _roundRobin;
    private int _consecutiveStartFailures;

    static WorkerPool()
    {
        // Workers would exit on their own once we are gone; killing them on the way out just makes it immediate.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLivePools();
    }

    /// <summary>Creates a pool. No process starts until the first call or <see cref="StartAsync"/>.</summary>
    public WorkerPool(WorkerPoolOptions? options = null)
    {
        _options = (options ?? new WorkerPoolOptions()).Clone().Validate();
        _logger = (ILogger?)_options.LoggerFactory?.CreateLogger<WorkerPool>() ?? NullLogger.Instance;
        _slots = new Worker?[_options.WorkerCount];
        _window = 1 + _options.Prefetch;
    }

    private enum PoolState
    {
        Created,
        Running,
        Draining,
        Disposed,
    }

    /// <summary>
    /// The process-wide pool the generated companions use when no pool is passed: <see cref="Environment.ProcessorCount"/>
    /// workers (or what <see cref="ConfigureShared"/> set), created on first use and stopped when the process exits.
    /// </summary>
    public static WorkerPool Shared
    {
        get
        {
            if (Volatile.Read(ref shared) is { } pool)
            {
                return pool;
            }

            lock (SharedLock)
            {
                return shared ??= new WorkerPool(sharedOptions);
            }
        }
    }

    /// <summary>Number of worker processes the pool keeps running.</summary>
    public int WorkerCount => _options.WorkerCount;

    /// <summary>A snapshot of the workers that are connected and serving.</summary>
    public IReadOnlyList<WorkerInfo> Workers
    {
        get
        {
            lock (_lock)
            {
                return _ready.Select(w => w.Snapshot()).ToArray();
            }
        }
    }

    internal WorkerPoolOptions Options => _options;

    /// <summary>Workers are kept at strength while running and while draining (queued calls still need them).</summary>
    private bool IsServingLocked => _state is PoolState.Running or PoolState.Draining;

    /// <summary>
    /// Sets the options of <see cref="Shared"/>. Call it before the shared pool is first used (e.g. at the top of
    /// <c>Main</c>); afterwards it throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public static void ConfigureShared(WorkerPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (SharedLock)
        {
            if (shared is not null)
            {
                throw new InvalidOperationException("WorkerPool.Shared is already in use; configure it before the first call.");
            }

            sharedOptions = options.Clone().Validate();
        }
    }

    /// <summary>
    /// Starts every worker and completes when all of them are connected and ready, so that the first calls do not
    /// pay for start-up. Fails with <see cref="WorkerStartException"/> if workers cannot be started.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        return _allReady.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Graceful shutdown: refuses new calls, lets queued and running calls finish, then asks every worker to exit
    /// (killing any that does not within <see cref="WorkerPoolOptions.ShutdownTimeout"/>).
    /// </summary>
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposeTask ??= DisposeCoreAsync();
            return new ValueTask(_disposeTask);
        }
    }

    internal long NextCallId() => Interlocked.Increment(ref _nextCallId);

    /// <summary>Takes a call: gives it to a worker with room, or queues it.</summary>
    internal void Submit(PendingCall call, CancellationToken cancellationToken)
    {
        try
        {
            EnsureStarted();
        }
        catch (Exception ex)
        {
            call.TryFail(ex);
            return;
        }

        call.RegisterCancellation(cancellationToken, OnCallCanceled);
        Worker? target = null;
        Exception? refusal = null;
        lock (_lock)
        {
            if (_state >= PoolState.Draining)
            {
                refusal = new ObjectDisposedException(nameof(WorkerPool), $"The pool is shutting down; {call.Method.DisplayName} was not run.");
            }
            else if (_fault is not null)
            {
                refusal = _fault;
            }
            else
            {
                target = PickWorkerLocked();
                if (target is not null)
                {
                    target.Outstanding++;
                }
                else
                {
                    _queue.Enqueue(call);
                }
            }
        }

        if (refusal is not null)
        {
            call.TryFail(refusal);
        }
        else if (target is not null)
        {
            Send(target, call);
        }
    }

    /// <summary>A worker answered (or skipped) a call: give it the next queued one.</summary>
    internal void OnCallFinished(Worker worker)
    {
        PendingCall? next = null;
        lock (_lock)
        {
            worker.Outstanding--;
            if (worker.IsReady && worker.Outstanding < _window && _queue.TryDequeue(out var call))
            {
                worker.Outstanding++;
                next = call;
            }

            CheckDrainedLocked();
        }

        if (next is not null)
        {
            Send(worker, next);
        }
    }

    /// <summary>A worker is gone: hand its unstarted calls back and start a replacement.</summary>
    internal void OnWorkerLost(Worker worker, List<PendingCall> notStarted, string reason, bool expected)
    {
        bool replace;
        lock (_lock)
        {
            var wasReady = _ready.Remove(worker);
            _starting.Remove(worker.Id);
            _queue.EnqueueFront(notStarted);
            replace = wasReady && !expected && IsServingLocked;
            if (replace)
            {
                _slots[worker.Slot] = null;
            }

            CheckDrainedLocked();
        }

        if (!expected)
        {
            Log.WorkerLost(_logger, worker.Id, worker.ProcessId, reason, notStarted.Count);
        }

        if (replace)
        {
            _ = StartWorkerAsync(worker.Slot);
        }

        Pump();
    }

    private static void KillAllLivePools()
    {
        WorkerPool[] pools;
        lock (SharedLock)
        {
            pools = [.. LivePools];
        }

        foreach (var pool in pools)
        {
            pool.KillAll();
        }
    }

    private void KillAll()
    {
        Worker?[] workers;
        lock (_lock)
        {
            workers = [.. _slots, .. _starting.Values];
        }

        foreach (var worker in workers)
        {
            worker?.Kill();
        }
    }

    private void EnsureStarted()
    {
        if (_state != PoolState.Created)
        {
            return;
        }

        lock (_lock)
        {
            if (_state != PoolState.Created)
            {
                return;
            }

            try
            {
                _launcher = WorkerLauncher.ForCurrentApplication();
                _endpoint = PoolEndpoint.Create();
            }
            catch (Exception ex) when (ex is not WorkerStartException)
            {
                _endpoint?.Dispose();
                throw new WorkerStartException($"The worker pool could not be set up: {ex.Message}", ex);
            }

            _state = PoolState.Running;
        }

        lock (SharedLock)
        {
            LivePools.Add(this);
        }

        _ = _endpoint.AcceptLoopAsync(OnWorkerConnected, reason => Log.ConnectionRefused(_logger, reason), _options.StartTimeout);
        for (var slot = 0; slot < _slots.Length; slot++)
        {
            _ = StartWorkerAsync(slot);
        }
    }

    private bool OnWorkerConnected(HelloMessage hello, Socket socket)
    {
        Worker? worker;
        lock (_lock)
        {
            if (!_starting.TryGetValue(hello.WorkerId, out worker) || worker.ProcessId != hello.ProcessId)
            {
                return false;
            }
        }

        return worker.Attach(socket);
    }

    private async Task StartWorkerAsync(int slot)
    {
        var id = Interlocked.Increment(ref _nextWorkerId);
        Log.StartingWorker(_logger, id, slot);
        Worker? worker = null;
        try
        {
            lock (_lock)
            {
                if (!IsServingLocked)
                {
                    return;
                }

                // Registered before the process starts, so that its hello can never arrive first.
                worker = Worker.Start(this, id, slot, _launcher!, _endpoint!, _options);
                _starting[id] = worker;
                _slots[slot] = worker;
            }

            await worker.Connected.WaitAsync(_options.StartTimeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            worker?.Kill();
            var failure = ex as WorkerStartException ?? new WorkerStartException(
                ex is TimeoutException
                    ? $"Worker {id} did not connect to the pool within {_options.StartTimeout.TotalSeconds:0.#} s."
                    : $"Worker {id} could not be started: {ex.Message}",
                ex)
            {
                WorkerId = id,
            };
            OnWorkerStartFailed(slot, id, failure);
            return;
        }

        OnWorkerReady(worker);
    }

    private void OnWorkerReady(Worker worker)
    {
        bool allReady;
        lock (_lock)
        {
            _starting.Remove(worker.Id);
            if (!worker.IsReady)
            {
                // It died between connecting and here; OnWorkerLost did not know it as ready, so replace it now.
                if (IsServingLocked)
                {
                    _slots[worker.Slot] = null;
                    _ = StartWorkerAsync(worker.Slot);
                }

                return;
            }

            _ready.Add(worker);
            _consecutiveStartFailures = 0;
            allReady = _ready.Count == _slots.Length;
        }

        Log.WorkerReady(_logger, worker.Id, worker.ProcessId);
        if (allReady)
        {
            _allReady.TrySetResult();
        }

        Pump();
    }

    private void OnWorkerStartFailed(int slot, int workerId, WorkerStartException failure)
    {
        Log.WorkerStartFailed(_logger, workerId, failure.Message);
        List<PendingCall>? doomed = null;
        var retry = false;
        lock (_lock)
        {
            _starting.Remove(workerId);
            _slots[slot] = null;
            if (!IsServingLocked)
            {
                return;
            }

            if (++_consecutiveStartFailures >= MaxConsecutiveStartFailures && _fault is null)
            {
                // Workers that cannot start will not start on the next try either: fail fast instead of looping.
                _fault = new WorkerStartException(
                    $"The pool stopped starting workers after {_consecutiveStartFailures} failed starts in a row. Last failure: {failure.Message}",
                    failure)
                {
                    StandardErrorTail = failure.StandardErrorTail,
                };
                doomed = _queue.DrainAll();
                CheckDrainedLocked();
                Log.PoolFaulted(_logger, _consecutiveStartFailures, failure);
            }
            else
            {
                retry = _fault is null;
            }
        }

        if (doomed is not null)
        {
            _allReady.TrySetException(_fault!);
            foreach (var call in doomed)
            {
                call.TryFail(_fault!);
            }
        }

        if (retry)
        {
            _ = StartWorkerAsync(slot);
        }
    }

    private void OnCallCanceled(PendingCall call)
    {
        // A queued call is dropped when it reaches the head of the queue; one already sent is cancelled in the worker.
        call.Worker?.SendCancel(call);
        lock (_lock)
        {
            CheckDrainedLocked();
        }
    }

    private void Send(Worker worker, PendingCall call)
    {
        if (worker.TrySend(call))
        {
            return;
        }

        // The worker died between being picked and being sent to: the call never reached it.
        lock (_lock)
        {
            worker.Outstanding--;
            if (!call.IsCompleted)
            {
                _queue.EnqueueFront([call]);
            }
        }

        Pump();
    }

    /// <summary>Hands queued calls to every worker that has room.</summary>
    private void Pump()
    {
        List<(Worker Worker, PendingCall Call)>? sends = null;
        lock (_lock)
        {
            if (_queue.Count == 0)
            {
                return;
            }

            while (PickWorkerLocked() is { } worker && _queue.TryDequeue(out var call))
            {
                worker.Outstanding++;
                (sends ??= []).Add((worker, call));
            }

            CheckDrainedLocked();
        }

        if (sends is not null)
        {
            foreach (var (worker, call) in sends)
            {
                Send(worker, call);
            }
        }
    }

    /// <summary>The ready worker with the fewest outstanding calls and room for one more; ties rotate.</summary>
    private Worker? PickWorkerLocked()
    {
        Worker? best = null;
        var count = _ready.Count;
        var start = count == 0 ? 0 : (int)((uint)_roundRobin++ % (uint)count);
        for (var i = 0; i < count; i++)
        {
            var worker = _ready[(start + i) % count];
            if (worker.Outstanding < _window && (best is null || worker.Outstanding < best.Outstanding))
            {
                best = worker;
                if (worker.Outstanding == 0)
                {
                    break;
                }
            }
        }

        return best;
    }

    private void CheckDrainedLocked()
    {
        if (_state != PoolState.Draining || !_queue.IsEffectivelyEmpty())
        {
            return;
        }

        foreach (var worker in _ready)
        {
            if (worker.Outstanding > 0)
            {
                return;
            }
        }

        _drained.TrySetResult();
    }

    private async Task DisposeCoreAsync()
    {
        bool started;
        lock (_lock)
        {
            started = _state != PoolState.Created;
            _state = PoolState.Draining;
            CheckDrainedLocked();
            if (_fault is not null || (_ready.Count == 0 && _starting.Count == 0))
            {
                // Nothing can drain the queue: fail what is left rather than wait forever.
                foreach (var call in _queue.DrainAll())
                {
                    call.TryFail(_fault ?? new ObjectDisposedException(nameof(WorkerPool), "The pool shut down before a worker was ready for the call."));
                }

                _drained.TrySetResult();
            }
        }

        if (started)
        {
            await _drained.Task.ConfigureAwait(false);
        }

        Worker[] workers;
        lock (_lock)
        {
            _state = PoolState.Disposed;
            workers = [.. _slots.OfType<Worker>(), .. _starting.Values];
        }

        await Task.WhenAll(workers.Distinct().Select(w => w.StopAsync(_options.ShutdownTimeout))).ConfigureAwait(false);
        _endpoint?.Dispose();
        _allReady.TrySetException(new ObjectDisposedException(nameof(WorkerPool)));
        _ = _allReady.Task.Exception;
        lock (SharedLock)
        {
            LivePools.Remove(this);
            if (ReferenceEquals(shared, this))
            {
                shared = null;
            }
        }

        Log.PoolStopped(_logger, workers.Length);
    }
}
