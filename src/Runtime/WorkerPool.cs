using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Offload.CompilerServices;
using Offload.Parent;
using Offload.Protocol;

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
public sealed class WorkerPool : IWorkerPool, IAsyncDisposable
{
    private const int MaxConsecutiveStartFailures = 3;

    /// <summary>How often the supervisor checks running calls against their timeout and cancellation grace period.</summary>
    private static readonly TimeSpan SupervisorPeriod = TimeSpan.FromMilliseconds(25);

    private static readonly Lock SharedLock = new();
    private static readonly HashSet<WorkerPool> LivePools = [];
    private static WorkerPoolOptions? sharedOptions;
    private static WorkerPool? shared;
    private static bool processExiting;

    private readonly WorkerPoolOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CallQueue _queue = new();
    private readonly List<WorkerHandle> _ready = [];
    private readonly List<WorkerHandle> _retiring = [];
    private readonly PoolCounters _counters = new();
    private readonly SemaphoreSlim? _queueSlots;
    private readonly Dictionary<int, WorkerHandle> _starting = [];
    private readonly WorkerHandle?[] _slots;
    private readonly TaskCompletionSource _allReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Calls a worker may have outstanding (1 + <see cref="WorkerPoolOptions.Prefetch"/>), or 0 when that adapts per worker.</summary>
    private readonly int _window;
    private readonly Action<PendingCall> _onCallCanceled;
    private PoolEndpoint? _endpoint;
    private WorkerLauncher? _launcher;
    private Exception? _fault;
    private Task? _disposeTask;
    private PoolState _state;
    private long _nextCallId;
    private int _nextWorkerId;
    private int _roundRobin;
    private int _consecutiveStartFailures;
    private int _startsInFlight;

    static WorkerPool()
    {
        // Workers would exit on their own once we are gone; killing them on the way out just makes it immediate.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLivePools();
        ProtocolFormatters.EnsureRegistered();
    }

    /// <summary>Creates a pool. No process starts until the first call or <see cref="StartAsync"/>.</summary>
    public WorkerPool(WorkerPoolOptions? options = null)
    {
        _options = (options ?? new WorkerPoolOptions()).Clone().Validate();
        _logger = (ILogger?)_options.LoggerFactory?.CreateLogger<WorkerPool>() ?? NullLogger.Instance;
        _slots = new WorkerHandle?[_options.WorkerCount];
        _window = _options.Prefetch is { } prefetch ? 1 + prefetch : 0;
        _queueSlots = _options.MaxQueuedCalls is { } maxQueued ? new SemaphoreSlim(maxQueued, maxQueued) : null;

        // Cached once: a method group converted per call would allocate a delegate on the hottest path.
        _onCallCanceled = OnCallCanceled;
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

    /// <summary>Counters since the pool was created: calls by outcome, retries, timeouts, worker starts, crashes and recycles.</summary>
    public WorkerPoolStatistics Statistics
    {
        get
        {
            int queued;
            lock (_lock)
            {
                queued = _queue.Count;
            }

            return new WorkerPoolStatistics(
                Interlocked.Read(ref _nextCallId),
                Interlocked.Read(ref _counters.Succeeded),
                Interlocked.Read(ref _counters.Failed),
                Interlocked.Read(ref _counters.Canceled),
                Interlocked.Read(ref _counters.Retried),
                Interlocked.Read(ref _counters.TimedOut),
                Interlocked.Read(ref _counters.WorkersStarted),
                Interlocked.Read(ref _counters.WorkerCrashes),
                Interlocked.Read(ref _counters.WorkersRecycled),
                queued);
        }
    }

    internal WorkerPoolOptions Options => _options;

    /// <summary>The pool's private directory (socket), once it was set up; for tests that check it is removed.</summary>
    internal string? DirectoryPath => _endpoint?.DirectoryPath;

    /// <summary>The bound on queued calls (<see cref="WorkerPoolOptions.MaxQueuedCalls"/>), if any: a call takes a slot before it is queued.</summary>
    internal SemaphoreSlim? QueueSlots => _queueSlots;

    /// <summary>
    /// Workers are kept at strength while running and while draining (queued calls still need them), but not once the
    /// process is exiting.
    /// </summary>
    private bool CanStartWorkersLocked => (_state is PoolState.Running or PoolState.Draining) && !Volatile.Read(ref processExiting);

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
        try
        {
            EnsureStarted();
        }
        catch (Exception ex)
        {
            // A pool that cannot be set up fails the task, as one whose workers cannot start does.
            return Task.FromException(ex);
        }

        return _allReady.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Graceful shutdown: refuses new calls, lets queued and running calls finish, then asks every worker to exit
    /// (killing any that does not within <see cref="WorkerPoolOptions.ShutdownTimeout"/>).
    /// </summary>
    public ValueTask DisposeAsync() => new(ShutdownAsync(ShutdownMode.Drain));

    /// <summary>
    /// Shuts the pool down. New calls are refused at once; what happens to queued and running calls depends on
    /// <paramref name="mode"/>. Calling it again with a harsher mode while a shutdown is under way escalates it (a drain
    /// that takes too long can be turned into a kill); the returned task completes once every worker has exited.
    /// </summary>
    public Task ShutdownAsync(ShutdownMode mode = ShutdownMode.Drain)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown shutdown mode.");
        }

        Task task;
        List<PendingCall>? queued = null;
        WorkerHandle[] toKill = [];
        lock (_lock)
        {
            _disposeTask ??= DisposeCoreAsync();
            task = _disposeTask;
            if (mode >= ShutdownMode.CancelQueued)
            {
                queued = _queue.DrainAll();
            }

            if (mode == ShutdownMode.Kill)
            {
                toKill = [.. _slots.OfType<WorkerHandle>(), .. _starting.Values, .. _retiring];
            }
        }

        if (queued is not null)
        {
            foreach (var call in queued)
            {
                call.TryCancel(CancellationToken.None);
            }
        }

        foreach (var worker in toKill.Distinct())
        {
            worker.KillForShutdown();
        }

        if (queued is not null)
        {
            // Canceled calls no longer hold the drain back.
            List<PendingCall>? doomed = null;
            lock (_lock)
            {
                CheckDrainedLocked(ref doomed);
            }

            FailAll(doomed);
        }

        return task;
    }

    /// <inheritdoc/>
    Task<TResult> IWorkerPool.InvokeAsync<TArguments, TResult>(MethodDescriptor method, in TArguments arguments, CancellationToken cancellationToken) =>
        OffloadCalls.InvokeAsync<TArguments, TResult>(this, method, arguments, cancellationToken);

    /// <inheritdoc/>
    Task IWorkerPool.InvokeAsync<TArguments>(MethodDescriptor method, in TArguments arguments, CancellationToken cancellationToken) =>
        OffloadCalls.InvokeAsync(this, method, arguments, cancellationToken);

    /// <inheritdoc/>
    IAsyncEnumerable<TResult> IWorkerPool.MapAsync<TItem, TArguments, TResult>(
        MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken) =>
        new OrderedMap<TItem, TArguments, TResult>(new(this, batchMethod, source, toArguments, options, cancellationToken));

    /// <inheritdoc/>
    IAsyncEnumerable<MapResult<TResult>> IWorkerPool.MapUnorderedAsync<TItem, TArguments, TResult>(
        MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken) =>
        new UnorderedMap<TItem, TArguments, TResult>(new(this, batchMethod, source, toArguments, options, cancellationToken));

    /// <inheritdoc/>
    Task IWorkerPool.ForEachAsync<TItem, TArguments>(
        MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken) =>
        new MapRequest<TItem, TArguments>(this, batchMethod, source, toArguments, options, cancellationToken).RunToEndAsync();

    /// <summary>
    /// The next call id. Ids are taken only by calls (and map chunks) that are then submitted, so the last one is also
    /// the count of submitted calls: <see cref="WorkerPoolStatistics.CallsSubmitted"/> costs the hot path nothing more.
    /// </summary>
    internal long NextCallId() => Interlocked.Increment(ref _nextCallId);

    /// <summary>Takes a call: queues it, then hands queued calls to workers with room.</summary>
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

        call.Counters = _counters;
        call.RegisterCancellation(cancellationToken, _onCallCanceled);
        Assignments sends = default;
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
                // Through the queue even when a worker is free, so that calls are served in the order they came.
                _queue.Enqueue(call);
                sends = AssignLocked();
            }
        }

        if (refusal is not null)
        {
            call.TryFail(refusal);
        }
        else
        {
            Dispatch(sends);
        }
    }

    /// <summary>A worker answered (or skipped) a call: give queued calls to whoever has room now.</summary>
    internal void OnCallFinished(WorkerHandle worker)
    {
        Assignments sends;
        List<PendingCall>? doomed = null;
        var stop = false;
        lock (_lock)
        {
            worker.Outstanding--;
            stop = worker.IsRetiring && worker.Outstanding == 0;
            sends = AssignLocked();
            CheckDrainedLocked(ref doomed);
        }

        if (stop)
        {
            _ = worker.StopAsync(_options.ShutdownTimeout);
        }

        FailAll(doomed);
        Dispatch(sends);
    }

    /// <summary>
    /// Sends a failed call again, to the front of the queue, if its method allows another retry and the pool still
    /// runs; false when the failure must stand.
    /// </summary>
    internal bool TryRetry(PendingCall call)
    {
        Assignments sends;
        lock (_lock)
        {
            if (call.IsCompleted || call.Retries >= call.Method.MaxRetries || _fault is not null || !CanStartWorkersLocked)
            {
                return false;
            }

            call.Retries++;
            call.Worker = null;
            call.IsWritten = false;
            call.UnconfirmedDeaths = 0;
            _queue.EnqueueFront([call]);
            sends = AssignLocked();
        }

        Interlocked.Increment(ref _counters.Retried);
        Log.CallRetried(_logger, call.Method.DisplayName, call.Retries, call.Method.MaxRetries);
        Dispatch(sends);
        return true;
    }

    /// <summary>A worker asked to be replaced (memory over the limit, or a call ran out of memory).</summary>
    internal void OnRetireRequested(WorkerHandle worker, string reason)
    {
        bool stop;
        lock (_lock)
        {
            stop = RetireLocked(worker);
        }

        Log.WorkerRetiring(_logger, worker.Id, reason);
        if (stop)
        {
            _ = worker.StopAsync(_options.ShutdownTimeout);
        }
    }

    /// <summary>A worker is gone: hand its unstarted calls back and start a replacement.</summary>
    internal void OnWorkerLost(WorkerHandle worker, List<PendingCall> notStarted, string reason, bool expected)
    {
        Assignments sends;
        List<PendingCall>? doomed = null;
        lock (_lock)
        {
            var wasReady = _ready.Remove(worker);
            var wasRetiring = _retiring.Remove(worker);
            _starting.Remove(worker.Id);
            if (!expected && !wasRetiring)
            {
                Interlocked.Increment(ref worker.RecycleReason is null ? ref _counters.WorkerCrashes : ref _counters.WorkersRecycled);
            }

            RequeueLocked(notStarted, ref doomed);
            if (wasReady && !expected && CanStartWorkersLocked)
            {
                _slots[worker.Slot] = null;
                ScheduleStartLocked(worker.Slot, TimeSpan.Zero);
            }

            sends = AssignLocked();
            CheckDrainedLocked(ref doomed);
        }

        if (!expected)
        {
            Log.WorkerLost(_logger, worker.Id, worker.ProcessId, reason, notStarted.Count);
        }

        FailAll(doomed);
        Dispatch(sends);
    }

    /// <summary>
    /// The assemblies loaded in this process that hold generated dispatchers: a new worker loads them while it warms
    /// up. Reflection, but once per worker start, never per call.
    /// </summary>
    internal IEnumerable<System.Reflection.Assembly> DispatcherAssemblies() =>
        AppDomain.CurrentDomain.GetAssemblies().Where(static a => !a.IsDynamic && a.IsDefined(typeof(OffloadDispatcherAttribute), inherit: false));

    /// <summary>A <see cref="WorkerPoolOptions.WorkerOutput"/> callback threw: log it once per line, never crash.</summary>
    internal void OnOutputSinkFailed(int workerId, Exception exception) => Log.OutputSinkFailed(_logger, workerId, exception);

    private static void KillAllLivePools()
    {
        WorkerPool[] pools;
        lock (SharedLock)
        {
            processExiting = true;
            pools = [.. LivePools];
        }

        foreach (var pool in pools)
        {
            pool.KillAll();
        }
    }

    private void KillAll()
    {
        WorkerHandle?[] workers;
        lock (_lock)
        {
            workers = [.. _slots, .. _starting.Values, .. _retiring];
        }

        foreach (var worker in workers)
        {
            worker?.Kill();
        }

        // The process is exiting without having disposed this pool (WorkerPool.Shared is never disposed): its directory
        // and socket go now, or they would outlive the process.
        _endpoint?.Dispose();
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

            if (_fault is not null)
            {
                throw _fault;
            }

            try
            {
                _endpoint = PoolEndpoint.Create();
                _launcher = WorkerLauncher.ForCurrentApplication();
                Log.WorkerCommand(_logger, _launcher.Description);
            }
            catch (Exception ex)
            {
                // Nothing may stay behind (the directory and socket). A failure that will never go away (this app cannot
                // host workers) faults the pool: every later call fails with it at once. Anything else (out of file
                // descriptors, a full disk) fails this call, and the next one tries again.
                _endpoint?.Dispose();
                _endpoint = null;
                var failure = ex as WorkerStartException ?? new WorkerStartException($"The worker pool could not be set up: {ex.Message}", ex);
                if (failure.IsPermanent)
                {
                    _fault = failure;
                }

                Log.PoolSetupFailed(_logger, failure);
                throw failure;
            }

            _state = PoolState.Running;
            lock (SharedLock)
            {
                LivePools.Add(this);
            }

            _ = _endpoint.AcceptLoopAsync(OnWorkerConnected, reason => Log.ConnectionRefused(_logger, reason), _options.StartTimeout);
            _ = SuperviseAsync();
            for (var slot = 0; slot < _slots.Length; slot++)
            {
                ScheduleStartLocked(slot, TimeSpan.Zero);
            }
        }
    }

    private bool OnWorkerConnected(HelloMessage hello, Socket socket)
    {
        WorkerHandle? worker;
        lock (_lock)
        {
            if (!_starting.TryGetValue(hello.WorkerId, out worker) || worker.ProcessId != hello.ProcessId)
            {
                return false;
            }
        }

        return worker.Attach(socket);
    }

    /// <summary>Counts the start as in flight (so a draining pool waits for it) and runs it in the background.</summary>
    private void ScheduleStartLocked(int slot, TimeSpan delay)
    {
        _startsInFlight++;
        _ = Task.Run(() => StartWorkerAsync(slot, delay));
    }

    private async Task StartWorkerAsync(int slot, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay).ConfigureAwait(false);
        }

        var id = Interlocked.Increment(ref _nextWorkerId);
        WorkerHandle? worker = null;
        List<PendingCall>? doomed = null;
        try
        {
            lock (_lock)
            {
                if (!CanStartWorkersLocked)
                {
                    _startsInFlight--;
                    CheckDrainedLocked(ref doomed);
                }
                else
                {
                    // Registered before the process starts, so that its hello can never arrive first.
                    Log.StartingWorker(_logger, id, slot);
                    worker = WorkerHandle.Create(this, id, slot, _launcher!, _endpoint!, _options);
                    _starting[id] = worker;
                    _slots[slot] = worker;
                }
            }

            if (worker is null)
            {
                FailAll(doomed);
                return;
            }

            // Outside the lock, and each start on its own thread (see ScheduleStartLocked): creating a process takes
            // milliseconds, and the workers of a pool start side by side.
            worker.Start(_endpoint!);

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

    private void OnWorkerReady(WorkerHandle worker)
    {
        var allReady = false;
        Assignments sends = default;
        List<PendingCall>? doomed = null;
        lock (_lock)
        {
            _startsInFlight--;
            _starting.Remove(worker.Id);
            if (!worker.IsReady)
            {
                // It died between connecting and here: that counts as a failed start.
                HandleStartFailureLocked(worker.Slot, new WorkerStartException($"Worker {worker.Id} exited right after it connected.") { WorkerId = worker.Id }, ref doomed);
            }
            else
            {
                _ready.Add(worker);
                Interlocked.Increment(ref _counters.WorkersStarted);
                _consecutiveStartFailures = 0;
                allReady = _ready.Count == _slots.Length;
                sends = AssignLocked();
            }

            CheckDrainedLocked(ref doomed);
        }

        if (worker.IsReady)
        {
            Log.WorkerReady(_logger, worker.Id, worker.ProcessId);
        }

        if (allReady)
        {
            _allReady.TrySetResult();
        }

        FailAll(doomed);
        Dispatch(sends);
    }

    private void OnWorkerStartFailed(int slot, int workerId, WorkerStartException failure)
    {
        Log.WorkerStartFailed(_logger, workerId, failure.Message);
        List<PendingCall>? doomed = null;
        lock (_lock)
        {
            _startsInFlight--;
            _starting.Remove(workerId);
            HandleStartFailureLocked(slot, failure, ref doomed);
            CheckDrainedLocked(ref doomed);
        }

        FailAll(doomed);
    }

    /// <summary>
    /// Retries a failed start after a growing pause; when starts keep failing and no worker is serving at all, faults
    /// the pool (every queued and later call fails with the start error) rather than retrying forever.
    /// </summary>
    private void HandleStartFailureLocked(int slot, WorkerStartException failure, ref List<PendingCall>? doomed)
    {
        _slots[slot] = null;
        if (!CanStartWorkersLocked || _fault is not null)
        {
            return;
        }

        _consecutiveStartFailures++;
        if (failure.IsPermanent || (_consecutiveStartFailures >= MaxConsecutiveStartFailures && _ready.Count == 0))
        {
            _fault = failure.IsPermanent
                ? failure
                : new WorkerStartException(
                    $"The pool stopped starting workers after {_consecutiveStartFailures} failed starts in a row. Last failure: {failure.Message}",
                    failure)
                {
                    StandardErrorTail = failure.StandardErrorTail,
                };
            Log.PoolFaulted(_logger, _consecutiveStartFailures, failure);
            (doomed ??= []).AddRange(_queue.DrainAll());

            // No worker will ever connect again: the directory and socket can go now, not only when the pool is disposed
            // (WorkerPool.Shared never is). Off the lock: it is file-system work.
            if (_endpoint is { } endpoint)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static e => e.Dispose(), endpoint, preferLocal: false);
            }

            _allReady.TrySetException(_fault);
            _ = _allReady.Task.Exception;
            return;
        }

        // Other workers still serve: keep trying, but back off so a broken environment is not hammered.
        var pause = TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * (1 << Math.Min(_consecutiveStartFailures, 7))));
        ScheduleStartLocked(slot, pause);
    }

    private void OnCallCanceled(PendingCall call)
    {
        // A queued call is dropped when it reaches the head of the queue; one already sent is cancelled in the worker.
        call.Worker?.SendCancel(call);
        List<PendingCall>? doomed = null;
        lock (_lock)
        {
            CheckDrainedLocked(ref doomed);
        }

        FailAll(doomed);
    }

    /// <summary>
    /// Sends calls to their workers. A send fails only when the worker's channel has just closed; the worker then
    /// stops being picked, and the call goes back to the front of the queue for the next worker with room. This is a
    /// loop, not a recursion, so a burst of failures cannot grow the stack.
    /// </summary>
    private void Dispatch(Assignments sends)
    {
        while (sends.Count > 0)
        {
            List<PendingCall>? unsent = null;
            for (var i = 0; i < sends.Count; i++)
            {
                var (worker, call) = sends[i];
                if (!worker.TrySend(call))
                {
                    (unsent ??= []).Add(call);
                    lock (_lock)
                    {
                        worker.Outstanding--;
                    }
                }
            }

            if (unsent is null)
            {
                return;
            }

            List<PendingCall>? doomed = null;
            lock (_lock)
            {
                RequeueLocked(unsent, ref doomed);
                sends = AssignLocked();
                CheckDrainedLocked(ref doomed);
            }

            FailAll(doomed);
        }
    }

    /// <summary>Puts calls that never started back at the front of the queue, or fails them if no worker will come.</summary>
    private void RequeueLocked(List<PendingCall> calls, ref List<PendingCall>? doomed)
    {
        if (calls.Count == 0)
        {
            return;
        }

        if (_fault is not null || !CanStartWorkersLocked)
        {
            (doomed ??= []).AddRange(calls);
            return;
        }

        _queue.EnqueueFront(calls);
    }

    /// <summary>Takes calls off the queue for every ready worker with room, least busy first.</summary>
    private Assignments AssignLocked()
    {
        var sends = default(Assignments);
        while (_queue.Count > 0 && PickWorkerLocked() is { } worker && _queue.TryDequeue(out var call))
        {
            worker.Outstanding++;
            sends.Add(worker, call);
            if (++worker.CallsAssigned == _options.MaxCallsPerWorker)
            {
                // It gets no more calls; it stops once it has answered these, and a fresh worker takes its slot now.
                RetireLocked(worker);
                Log.WorkerRetiring(_logger, worker.Id, $"it was sent its {worker.CallsAssigned} calls (MaxCallsPerWorker)");
            }
        }

        return sends;
    }

    /// <summary>The ready worker with the fewest outstanding calls and room for one more; ties rotate.</summary>
    private WorkerHandle? PickWorkerLocked()
    {
        WorkerHandle? best = null;
        var count = _ready.Count;
        var start = count == 0 ? 0 : (int)((uint)_roundRobin++ % (uint)count);
        for (var i = 0; i < count; i++)
        {
            var worker = _ready[(start + i) % count];
            if (worker.IsReady && worker.Outstanding < (_window > 0 ? _window : worker.AdaptiveWindow) && (best is null || worker.Outstanding < best.Outstanding))
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

    /// <summary>
    /// While draining: completes the drain once nothing is queued or outstanding; and if queued calls can no longer be
    /// served (no worker ready and none starting), fails them instead of waiting forever.
    /// </summary>
    private void CheckDrainedLocked(ref List<PendingCall>? doomed)
    {
        if (_state != PoolState.Draining)
        {
            return;
        }

        if (!_queue.IsEffectivelyEmpty() && (_fault is not null || (_ready.Count == 0 && _startsInFlight == 0)))
        {
            (doomed ??= []).AddRange(_queue.DrainAll());
        }

        if (!_queue.IsEffectivelyEmpty())
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

        foreach (var worker in _retiring)
        {
            if (worker.Outstanding > 0)
            {
                return;
            }
        }

        _drained.TrySetResult();
    }

    private void FailAll(List<PendingCall>? calls)
    {
        if (calls is null)
        {
            return;
        }

        Exception failure = _fault ?? new ObjectDisposedException(nameof(WorkerPool), "The pool shut down before a worker could run the call.");
        foreach (var call in calls)
        {
            call.TryFail(failure);
        }
    }

    private async Task DisposeCoreAsync()
    {
        List<PendingCall>? doomed = null;
        lock (_lock)
        {
            var started = _state != PoolState.Created;
            _state = PoolState.Draining;
            CheckDrainedLocked(ref doomed);
            if (!started)
            {
                _drained.TrySetResult();
            }
        }

        FailAll(doomed);
        await _drained.Task.ConfigureAwait(false);

        WorkerHandle[] workers;
        lock (_lock)
        {
            _state = PoolState.Disposed;
            workers = [.. _slots.OfType<WorkerHandle>(), .. _starting.Values, .. _retiring];
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

    /// <summary>
    /// Takes a worker out of rotation and starts its replacement in the same slot at once, so the pool stays at strength
    /// while the old worker finishes the calls it has. True when it has none left and can be stopped now.
    /// </summary>
    private bool RetireLocked(WorkerHandle worker)
    {
        if (worker.IsRetiring || !_ready.Remove(worker))
        {
            return false;
        }

        worker.IsRetiring = true;
        _retiring.Add(worker);
        Interlocked.Increment(ref _counters.WorkersRecycled);
        if (ReferenceEquals(_slots[worker.Slot], worker) && CanStartWorkersLocked)
        {
            _slots[worker.Slot] = null;
            ScheduleStartLocked(worker.Slot, TimeSpan.Zero);
        }

        return worker.Outstanding == 0;
    }

    /// <summary>
    /// Checks running calls against their timeout and cancellation grace period, a few times a second, for as long as
    /// the pool lives. A scan of a handful of workers costs next to nothing; a timer per call would cost on every call.
    /// </summary>
    private async Task SuperviseAsync()
    {
        using var timer = new PeriodicTimer(SupervisorPeriod);
        var workers = new List<WorkerHandle>();
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            lock (_lock)
            {
                if (_state == PoolState.Disposed)
                {
                    return;
                }

                workers.AddRange(_ready);
                workers.AddRange(_retiring);
            }

            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var worker in workers)
            {
                try
                {
                    worker.CheckDeadlines(now);
                }
                catch (Exception ex)
                {
                    // The supervisor must outlive any one worker's trouble.
                    Log.SupervisorFailed(_logger, worker.Id, ex);
                }
            }

            workers.Clear();
        }
    }

    /// <summary>
    /// Calls handed to workers under the pool's lock and sent after it is released. The first is held inline: most
    /// dispatches send exactly one call, and that path should not allocate.
    /// </summary>
    private struct Assignments
    {
        private (WorkerHandle Worker, PendingCall Call) _first;
        private List<(WorkerHandle Worker, PendingCall Call)>? _rest;

        public int Count { get; private set; }

        public readonly (WorkerHandle Worker, PendingCall Call) this[int index] => index == 0 ? _first : _rest![index - 1];

        public void Add(WorkerHandle worker, PendingCall call)
        {
            if (Count == 0)
            {
                _first = (worker, call);
            }
            else
            {
                (_rest ??= []).Add((worker, call));
            }

            Count++;
        }
    }
}
