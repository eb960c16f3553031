using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Offload.CompilerServices;
using Offload.Parent;
using Offload.Parent.Streaming;
using Offload.Protocol;
using Offload.Telemetry;

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
    // The pool is a facade over two parts that share its lock: the scheduler (queue, pick, assign, retry) and the
    // roster (worker slots, starts with backoff, retirement, lost workers, supervision). The lock order is pool, then
    // a worker's, then a channel's; nothing that holds a later one takes an earlier one.
    private readonly TaskCompletionSource _allReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PoolEndpoint? _endpoint;
    private Task? _disposeTask;
    private long _nextCallId;

    static WorkerPool() => ProtocolFormatters.EnsureRegistered();

    /// <summary>Creates a pool. No process starts until the first call or <see cref="StartAsync"/>.</summary>
    /// <param name="options">The pool's settings; <see langword="null"/> for the defaults.</param>
    public WorkerPool(WorkerPoolOptions? options = null)
    {
        Options = (options ?? new WorkerPoolOptions()).Clone().Validate();
        Logger = (ILogger?)Options.LoggerFactory?.CreateLogger<WorkerPool>() ?? NullLogger.Instance;
        WorkerLogs = Options.LoggerFactory is { } loggerFactory ? new WorkerLogReplay(loggerFactory) : null;
        QueueSlots = Options.MaxQueuedCalls is { } maxQueued ? new SemaphoreSlim(maxQueued, maxQueued) : null;
        Metrics = new PoolMetrics(Options.Name);
        Scheduler = new CallScheduler(this);
        Roster = new WorkerRoster(this);
    }

    /// <summary>
    /// The process-wide pool the generated companions use when no pool is passed: <see cref="Environment.ProcessorCount"/>
    /// workers (or what <see cref="ConfigureShared"/> set), created on first use and stopped when the process exits; or,
    /// while one is set with <see cref="UseAsShared"/>, that pool.
    /// </summary>
    public static WorkerPool Shared => SharedPools.Shared;

    /// <summary>Number of worker processes the pool keeps running.</summary>
    public int WorkerCount => Options.WorkerCount;

    /// <summary>A snapshot of the workers that are connected and serving.</summary>
    public IReadOnlyList<WorkerInfo> Workers
    {
        get
        {
            lock (Lock)
            {
                return Roster.SnapshotLocked();
            }
        }
    }

    /// <summary>Counters since the pool was created: calls by outcome, retries, timeouts, worker starts, crashes and recycles.</summary>
    public WorkerPoolStatistics Statistics
    {
        get
        {
            int queued;
            lock (Lock)
            {
                queued = Scheduler.QueuedLocked;
            }

            return Counters.Snapshot(Interlocked.Read(ref _nextCallId), queued);
        }
    }

    internal WorkerPoolOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>Replays what worker code logs through <see cref="WorkerPoolOptions.LoggerFactory"/>; null without one.</summary>
    internal WorkerLogReplay? WorkerLogs { get; }

    /// <summary>The one lock of the pool's state, the scheduler's and the roster's.</summary>
    internal Lock Lock { get; } = new();

    internal CallScheduler Scheduler { get; }

    internal WorkerRoster Roster { get; }

    internal PoolCounters Counters { get; } = new();

    /// <summary>The pool's name in metrics and spans, and its byte counts (see <see cref="OffloadTelemetry"/>).</summary>
    internal PoolMetrics Metrics { get; }

    internal PoolState State { get; private set; }

    /// <summary>Why the pool can never serve (workers cannot be started); every queued and later call fails with it.</summary>
    internal Exception? Fault { get; private set; }

    /// <summary>The pool's socket and secret, once set up.</summary>
    internal PoolEndpoint Endpoint => _endpoint ?? throw new InvalidOperationException("The pool was not set up.");

    /// <summary>Where large arguments are written, so that they cross in shared memory; null for none (or not set up yet).</summary>
    internal Transport.SharedMemory.SharedMemoryArena? SharedArena => _endpoint?.SharedMemory?.Arena;

    /// <summary>How workers are started, once the pool is set up.</summary>
    internal WorkerLauncher? Launcher { get; private set; }

    /// <summary>The pool's private directory (socket), once it was set up; for tests that check it is removed.</summary>
    internal string? DirectoryPath => _endpoint?.DirectoryPath;

    /// <summary>The bound on queued calls (<see cref="WorkerPoolOptions.MaxQueuedCalls"/>), if any: a call takes a slot before it is queued.</summary>
    internal SemaphoreSlim? QueueSlots { get; }

    /// <summary>
    /// Workers are kept at strength while running and while draining (queued calls still need them), but not once the
    /// process is exiting.
    /// </summary>
    internal bool CanStartWorkersLocked => State is PoolState.Running or PoolState.Draining && !SharedPools.ProcessExiting;

    /// <summary>
    /// Sets the options of <see cref="Shared"/>. Call it before the shared pool is first used (e.g. at the top of
    /// <c>Main</c>); afterwards it throws <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="options">The shared pool's settings.</param>
    public static void ConfigureShared(WorkerPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        SharedPools.Configure(options);
    }

    /// <summary>
    /// Makes <paramref name="pool"/> the one <see cref="Shared"/> returns, so that the companions called without a pool
    /// use it, until the returned object is disposed or the pool is shut down. A hosted pool uses it while its host runs.
    /// When several are set at once, the one set last wins until it is undone; the pool <see cref="Shared"/> created by
    /// itself, if any, keeps its workers and is returned again once none is set.
    /// </summary>
    /// <param name="pool">The pool that serves calls made without a pool.</param>
    /// <returns>Undoes it when disposed (once; disposing it again does nothing).</returns>
    public static IDisposable UseAsShared(WorkerPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.State >= PoolState.Draining)
        {
            throw new ObjectDisposedException(nameof(WorkerPool), "A pool that is shut down cannot serve calls made without a pool.");
        }

        return SharedPools.Use(pool);
    }

    /// <summary>
    /// Whether the pool can serve, for health checks: started or shut down, faulted (workers cannot be started), workers
    /// ready, and how many workers crashed within <paramref name="crashWindow"/>.
    /// </summary>
    /// <param name="crashWindow">How far back <see cref="WorkerPoolHealth.RecentCrashes"/> counts; positive.</param>
    public WorkerPoolHealth GetHealth(TimeSpan crashWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(crashWindow, TimeSpan.Zero);
        lock (Lock)
        {
            return new WorkerPoolHealth(
                State != PoolState.Created, State >= PoolState.Draining, Fault, Roster.ReadyLocked.Count, WorkerCount, Counters.Crashes.CountWithin(crashWindow));
        }
    }

    /// <summary>
    /// Starts every worker and completes when all of them are connected and ready, so that the first calls do not
    /// pay for start-up. Fails with <see cref="WorkerStartException"/> if workers cannot be started, and with
    /// <see cref="ObjectDisposedException"/> once the pool is shutting down or shut down.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the workers keep starting).</param>
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

        if (State >= PoolState.Draining)
        {
            // A pool shutting down starts nothing: like every other call, this fails, rather than report workers that
            // were ready once (or never started) as ready.
            return Task.FromException(new ObjectDisposedException(nameof(WorkerPool), "The pool is shut down; it starts no workers."));
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
    /// <param name="mode">What happens to queued and running calls.</param>
    public Task ShutdownAsync(ShutdownMode mode = ShutdownMode.Drain)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown shutdown mode.");
        }

        Task task;
        List<PendingCall>? queued = null;
        WorkerHandle[] toKill = [];
        lock (Lock)
        {
            _disposeTask ??= DisposeCoreAsync();
            task = _disposeTask;
            if (mode >= ShutdownMode.CancelQueued)
            {
                queued = Scheduler.DrainQueueLocked();
            }

            if (mode == ShutdownMode.Kill)
            {
                toKill = Roster.AllWorkersLocked();
            }
        }

        if (queued is not null)
        {
            foreach (var call in queued)
            {
                call.TryCancel(CancellationToken.None);
            }
        }

        foreach (var worker in toKill)
        {
            worker.KillForShutdown();
        }

        if (queued is not null)
        {
            // Canceled calls no longer hold the drain back.
            Scheduler.CheckDrained();
        }

        return task;
    }

    /// <inheritdoc/>
    Task<TResult> IWorkerPool.InvokeAsync<TArguments, TResult>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken) =>
        CallIntake.InvokeAsync<TArguments, TResult>(this, method, arguments, progress, cancellationToken);

    /// <inheritdoc/>
    Task IWorkerPool.InvokeAsync<TArguments>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken) =>
        CallIntake.InvokeAsync(this, method, arguments, progress, cancellationToken);

    /// <inheritdoc/>
    IAsyncEnumerable<TItem> IWorkerPool.StreamAsync<TArguments, TItem>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken) =>
        new StreamCall<TArguments, TItem>(this, method, arguments, progress, cancellationToken);

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
    /// The assemblies loaded in this process that hold generated dispatchers: a new worker loads them while it warms
    /// up. Reflection, but once per worker start, never per call.
    /// </summary>
    internal static IEnumerable<Assembly> DispatcherAssemblies() =>
        AppDomain.CurrentDomain.GetAssemblies().Where(static a => !a.IsDynamic && a.IsDefined(typeof(OffloadDispatcherAttribute), inherit: false));

    /// <summary>
    /// The next call id. Ids are taken only by calls (and map chunks) that are then submitted, so the last one is also
    /// the count of submitted calls: <see cref="WorkerPoolStatistics.CallsSubmitted"/> costs the hot path nothing more.
    /// </summary>
    internal long NextCallId() => Interlocked.Increment(ref _nextCallId);

    /// <summary>Takes a call: sets the pool up if this is the first, then hands it to the scheduler.</summary>
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

        Scheduler.Submit(call, cancellationToken);
    }

    /// <summary>A <see cref="WorkerPoolOptions.WorkerOutput"/> callback threw: log it once per line, never crash.</summary>
    internal void OnOutputSinkFailed(int workerId, Exception exception) => Log.OutputSinkFailed(Logger, workerId, exception);

    /// <summary>
    /// Faults the pool: workers cannot be started, and never will. Queued calls are handed back to fail, waiters on
    /// <see cref="StartAsync"/> fail, and the directory and socket go now, not only when the pool is disposed
    /// (<see cref="Shared"/> never is).
    /// </summary>
    internal void FaultLocked(WorkerStartException fault, ref List<PendingCall>? doomed)
    {
        Fault = fault;
        (doomed ??= []).AddRange(Scheduler.DrainQueueLocked());

        // Off the lock: it is file-system work.
        if (_endpoint is { } endpoint)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static e => e.Dispose(), endpoint, preferLocal: false);
        }

        _allReady.TrySetException(fault);
        _ = _allReady.Task.Exception;
    }

    /// <summary>Every worker of the roster has connected.</summary>
    internal void OnAllReady() => _allReady.TrySetResult();

    /// <summary>Nothing is queued or running any more while draining.</summary>
    internal void OnDrained() => _drained.TrySetResult();

    /// <summary>The process is exiting without having disposed this pool: its workers, directory and socket go now.</summary>
    internal void KillAll()
    {
        WorkerHandle[] workers;
        lock (Lock)
        {
            workers = Roster.AllWorkersLocked();
        }

        foreach (var worker in workers)
        {
            worker.Kill();
        }

        _endpoint?.Dispose();
    }

    private void EnsureStarted()
    {
        if (State != PoolState.Created)
        {
            return;
        }

        lock (Lock)
        {
            if (State != PoolState.Created)
            {
                return;
            }

            if (Fault is not null)
            {
                throw Fault;
            }

            try
            {
                _endpoint = PoolEndpoint.Create(Options);
                Launcher = WorkerLauncher.ForCurrentApplication();
                Log.WorkerCommand(Logger, Launcher.Description);
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
                    Fault = failure;
                }

                Log.PoolSetupFailed(Logger, failure);
                throw failure;
            }

            State = PoolState.Running;
            SharedPools.Add(this);
            var refusals = new ConnectionRefusals(Logger, Counters);
            _ = _endpoint.AcceptLoopAsync(
                Roster.OnWorkerConnected,
                refusals.OnRefused,
                Options.StartTimeout < PoolEndpoint.HelloTimeout ? Options.StartTimeout : PoolEndpoint.HelloTimeout,
                PoolEndpoint.MaxPendingFor(Options.WorkerCount),
                reason => Log.ConnectionRefused(Logger, reason));
            Roster.StartAllLocked();
        }
    }

    private async Task DisposeCoreAsync()
    {
        lock (Lock)
        {
            var started = State != PoolState.Created;
            State = PoolState.Draining;
            if (!started)
            {
                _drained.TrySetResult();
            }
        }

        Scheduler.CheckDrained();
        await _drained.Task.ConfigureAwait(false);

        WorkerHandle[] workers;
        lock (Lock)
        {
            State = PoolState.Disposed;
            workers = Roster.AllWorkersLocked();
        }

        await Task.WhenAll(workers.Select(w => w.StopAsync(Options.ShutdownTimeout))).ConfigureAwait(false);
        _endpoint?.Dispose();
        _allReady.TrySetException(new ObjectDisposedException(nameof(WorkerPool)));
        _ = _allReady.Task.Exception;
        SharedPools.Remove(this);
        Log.PoolStopped(Logger, workers.Length);
    }
}
