using System.Diagnostics;
using System.Net.Sockets;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>
/// The pool's workers: one slot per worker the pool keeps running; starting a worker into a slot (side by side, with a
/// growing pause after failures, and faulting the pool when starts keep failing); retiring a worker (a fresh one takes
/// its slot at once); replacing a worker that died; and the supervisor that enforces running calls' deadlines.
/// </summary>
/// <remarks>Everything named <c>…Locked</c> runs under the pool's lock.</remarks>
internal sealed class WorkerRoster
{
    private const int MaxConsecutiveStartFailures = 3;

    /// <summary>How often the supervisor checks running calls against their timeout and cancellation grace period.</summary>
    private static readonly TimeSpan SupervisorPeriod = TimeSpan.FromMilliseconds(25);

    private readonly WorkerPool _pool;
    private readonly WorkerHandle?[] _slots;
    private readonly Dictionary<int, WorkerHandle> _starting = [];
    private readonly List<WorkerHandle> _ready = [];
    private readonly List<WorkerHandle> _retiring = [];
    private int _nextWorkerId;
    private int _consecutiveStartFailures;
    private int _startsInFlight;

    public WorkerRoster(WorkerPool pool)
    {
        _pool = pool;
        _slots = new WorkerHandle?[pool.Options.WorkerCount];
    }

    /// <summary>The workers that are connected, warmed up and not retiring: the ones the scheduler picks from.</summary>
    public List<WorkerHandle> ReadyLocked => _ready;

    /// <summary>True while some worker serves or is starting: queued calls will be served.</summary>
    public bool CanServeLocked => _ready.Count > 0 || _startsInFlight > 0;

    public bool HasCallsInFlightLocked()
    {
        foreach (var worker in _ready)
        {
            if (worker.CallsInFlight > 0)
            {
                return true;
            }
        }

        foreach (var worker in _retiring)
        {
            if (worker.CallsInFlight > 0)
            {
                return true;
            }
        }

        return false;
    }

    public WorkerInfo[] SnapshotLocked() => _ready.Select(static w => w.Snapshot()).ToArray();

    /// <summary>The workers by state and the calls they have, for the metrics (read when a listener collects).</summary>
    public Counts CountLocked(int queued)
    {
        var counts = new Counts { Starting = _starting.Count, Retiring = _retiring.Count, Queued = queued };
        foreach (var worker in _ready)
        {
            var inFlight = worker.CallsInFlight;
            counts.CallsInFlight += inFlight;
            if (inFlight == 0)
            {
                counts.Idle++;
            }
            else
            {
                counts.Busy++;
            }
        }

        foreach (var worker in _retiring)
        {
            counts.CallsInFlight += worker.CallsInFlight;
        }

        return counts;
    }

    /// <summary>Every worker the pool has: in a slot, starting, or retiring.</summary>
    public WorkerHandle[] AllWorkersLocked() => [.. new HashSet<WorkerHandle>([.. _slots.OfType<WorkerHandle>(), .. _starting.Values, .. _retiring])];

    /// <summary>Starts the supervisor and a worker in every slot; the pool was just set up.</summary>
    public void StartAllLocked()
    {
        _ = SuperviseAsync();
        for (var slot = 0; slot < _slots.Length; slot++)
        {
            ScheduleStartLocked(slot, TimeSpan.Zero);
        }
    }

    /// <summary>An authenticated connection said hello: it belongs to the starting worker with that id and pid, or to none.</summary>
    public bool OnWorkerConnected(HelloMessage hello, Socket socket)
    {
        WorkerHandle? worker;
        lock (_pool.Lock)
        {
            if (!_starting.TryGetValue(hello.WorkerId, out worker) || worker.ProcessId != hello.ProcessId)
            {
                return false;
            }
        }

        return worker.Attach(socket);
    }

    /// <summary>A worker asked to be replaced (memory over the limit, or a call ran out of memory).</summary>
    public void OnRetireRequested(WorkerHandle worker, string reason)
    {
        bool stop;
        lock (_pool.Lock)
        {
            stop = RetireLocked(worker);
        }

        Log.WorkerRetiring(_pool.Logger, worker.Id, reason);
        if (stop)
        {
            _ = worker.StopAsync(_pool.Options.ShutdownTimeout);
        }
    }

    /// <summary>
    /// Takes a worker out of rotation and starts its replacement in the same slot at once, so the pool stays at strength
    /// while the old worker finishes the calls it has. True when it has none left and can be stopped now.
    /// </summary>
    public bool RetireLocked(WorkerHandle worker)
    {
        if (!_ready.Remove(worker))
        {
            return false;
        }

        worker.TryRetire();
        _retiring.Add(worker);
        Interlocked.Increment(ref _pool.Counters.WorkersRecycled);
        if (ReferenceEquals(_slots[worker.Slot], worker) && _pool.CanStartWorkersLocked)
        {
            _slots[worker.Slot] = null;
            ScheduleStartLocked(worker.Slot, TimeSpan.Zero);
        }

        return worker.CallsInFlight == 0;
    }

    /// <summary>A worker is gone: hand its calls that had not started back, and start a replacement.</summary>
    public void OnWorkerLost(WorkerHandle worker, List<PendingCall> notStarted, string reason, bool expected)
    {
        CallScheduler.Flushes flushes;
        List<PendingCall>? doomed = null;
        var scheduler = _pool.Scheduler;
        lock (_pool.Lock)
        {
            var wasReady = _ready.Remove(worker);
            var wasRetiring = _retiring.Remove(worker);
            _starting.Remove(worker.Id);
            if (!expected && !wasRetiring)
            {
                if (worker.RecycleReason is null)
                {
                    _pool.Counters.CountCrash();
                }
                else
                {
                    Interlocked.Increment(ref _pool.Counters.WorkersRecycled);
                }
            }

            scheduler.RequeueLocked(notStarted, ref doomed);
            if (wasReady && !expected && _pool.CanStartWorkersLocked)
            {
                _slots[worker.Slot] = null;
                ScheduleStartLocked(worker.Slot, TimeSpan.Zero);
            }

            flushes = scheduler.AssignLocked();
            scheduler.CheckDrainedLocked(ref doomed);
        }

        if (!expected)
        {
            Log.WorkerLost(_pool.Logger, worker.Id, worker.ProcessId, reason, notStarted.Count);
        }

        scheduler.FailAll(doomed);
        CallScheduler.Flush(flushes, readLoopOf: null);
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
            lock (_pool.Lock)
            {
                if (!_pool.CanStartWorkersLocked)
                {
                    _startsInFlight--;
                    _pool.Scheduler.CheckDrainedLocked(ref doomed);
                }
                else
                {
                    // Registered before the process starts, so that its hello can never arrive first.
                    Log.StartingWorker(_pool.Logger, id, slot);
                    worker = new WorkerHandle(_pool, id, slot, _pool.Launcher!, _pool.Endpoint, _pool.Options);
                    _starting[id] = worker;
                    _slots[slot] = worker;
                }
            }

            if (worker is null)
            {
                _pool.Scheduler.FailAll(doomed);
                return;
            }

            // Outside the lock, and each start on its own thread (see ScheduleStartLocked): creating a process takes
            // milliseconds, and the workers of a pool start side by side.
            worker.Start(_pool.Endpoint);

            await worker.Connected.WaitAsync(_pool.Options.StartTimeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            worker?.Kill();
            var failure = ex as WorkerStartException ?? new WorkerStartException(
                ex is TimeoutException
                    ? $"Worker {id} did not connect to the pool within {_pool.Options.StartTimeout.TotalSeconds:0.#} s."
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
        CallScheduler.Flushes flushes = default;
        List<PendingCall>? doomed = null;
        lock (_pool.Lock)
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
                Interlocked.Increment(ref _pool.Counters.WorkersStarted);
                _consecutiveStartFailures = 0;
                allReady = _ready.Count == _slots.Length;
                flushes = _pool.Scheduler.AssignLocked();
            }

            _pool.Scheduler.CheckDrainedLocked(ref doomed);
        }

        if (worker.IsReady)
        {
            Log.WorkerReady(_pool.Logger, worker.Id, worker.ProcessId);
        }

        if (allReady)
        {
            _pool.OnAllReady();
        }

        _pool.Scheduler.FailAll(doomed);
        CallScheduler.Flush(flushes, readLoopOf: null);
    }

    private void OnWorkerStartFailed(int slot, int workerId, WorkerStartException failure)
    {
        Log.WorkerStartFailed(_pool.Logger, workerId, failure.Message);
        List<PendingCall>? doomed = null;
        lock (_pool.Lock)
        {
            _startsInFlight--;
            _starting.Remove(workerId);
            HandleStartFailureLocked(slot, failure, ref doomed);
            _pool.Scheduler.CheckDrainedLocked(ref doomed);
        }

        _pool.Scheduler.FailAll(doomed);
    }

    /// <summary>
    /// Retries a failed start after a growing pause; when starts keep failing and no worker is serving at all, faults
    /// the pool (every queued and later call fails with the start error) rather than retrying forever.
    /// </summary>
    private void HandleStartFailureLocked(int slot, WorkerStartException failure, ref List<PendingCall>? doomed)
    {
        _slots[slot] = null;
        if (!_pool.CanStartWorkersLocked || _pool.Fault is not null)
        {
            return;
        }

        _consecutiveStartFailures++;
        if (failure.IsPermanent || (_consecutiveStartFailures >= MaxConsecutiveStartFailures && _ready.Count == 0))
        {
            var fault = failure.IsPermanent
                ? failure
                : new WorkerStartException(
                    $"The pool stopped starting workers after {_consecutiveStartFailures} failed starts in a row. Last failure: {failure.Message}",
                    failure)
                {
                    StandardErrorTail = failure.StandardErrorTail,
                };
            Log.PoolFaulted(_pool.Logger, _consecutiveStartFailures, failure);
            _pool.FaultLocked(fault, ref doomed);
            return;
        }

        // Other workers still serve: keep trying, but back off so a broken environment is not hammered.
        var pause = TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * (1 << Math.Min(_consecutiveStartFailures, 7))));
        ScheduleStartLocked(slot, pause);
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
            lock (_pool.Lock)
            {
                if (_pool.State == PoolState.Disposed)
                {
                    return;
                }

                workers.AddRange(_ready);
                workers.AddRange(_retiring);
            }

            var now = Stopwatch.GetTimestamp();
            foreach (var worker in workers)
            {
                try
                {
                    worker.CheckDeadlines(now);
                }
                catch (Exception ex)
                {
                    // The supervisor must outlive any one worker's trouble.
                    Log.SupervisorFailed(_pool.Logger, worker.Id, ex);
                }
            }

            workers.Clear();
        }
    }

    /// <summary>What <see cref="CountLocked"/> found.</summary>
    internal struct Counts
    {
        public int Starting;
        public int Idle;
        public int Busy;
        public int Retiring;
        public int CallsInFlight;
        public int Queued;
    }
}
