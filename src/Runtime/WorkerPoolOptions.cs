using Microsoft.Extensions.Logging;
using Offload.Protocol;

namespace Offload;

/// <summary>Settings of a <see cref="WorkerPool"/>. A pool copies them when it is created.</summary>
public sealed class WorkerPoolOptions
{
    private const long MinHeapHardLimitBytes = 16L * 1024 * 1024;

    /// <summary>Number of worker processes. Default: <see cref="Environment.ProcessorCount"/>.</summary>
    public int WorkerCount { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Largest frame, in bytes, on a worker channel: arguments or a result that need more fail with
    /// <see cref="PayloadTooLargeException"/>. Default 64 MiB; at least 64 KiB.
    /// </summary>
    public int MaxFrameBytes { get; set; } = ProtocolConstants.DefaultMaxFrameBytes;

    /// <summary>
    /// Calls sent ahead to a worker while it runs one, so it never waits for the parent between short calls. Default
    /// <see langword="null"/>: automatic, per worker, from how long its calls take: up to 63 for calls of a few
    /// microseconds, none for calls of milliseconds (so work is never stranded behind a long call while another worker
    /// is idle). Set a number to fix it.
    /// </summary>
    public int? Prefetch { get; set; }

    /// <summary>
    /// The longest a call may run in its worker when its method sets no
    /// <see cref="RunInWorkerProcessAttribute.TimeoutMilliseconds"/>. A call past it fails with
    /// <see cref="TimeoutException"/> and its worker is killed and replaced (a call that ignores its cancellation
    /// token cannot be stopped any other way). Default <see langword="null"/>: no limit.
    /// </summary>
    public TimeSpan? CallTimeout { get; set; }

    /// <summary>
    /// How long a worker may keep running a call after the caller canceled it. The caller gets its
    /// <see cref="OperationCanceledException"/> at once; a worker still busy with the call after this period is killed
    /// and replaced. Default 5 s.
    /// </summary>
    public TimeSpan CancellationGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Retire a worker after it has been sent this many calls, and start a fresh one (like Python's
    /// <c>maxtasksperchild</c>): a cure for slow leaks in code you cannot fix. Default <see langword="null"/>: never.
    /// </summary>
    public int? MaxCallsPerWorker { get; set; }

    /// <summary>
    /// Retire a worker whose memory (working set) is over this many bytes after a call, and start a fresh one (like
    /// loky's memory-leak protection). Each worker checks after every call. Default <see langword="null"/>: never.
    /// </summary>
    public long? WorkerMemoryLimitBytes { get; set; }

    /// <summary>
    /// A hard cap on each worker's garbage-collected heap, in bytes (the runtime's <c>GCHeapHardLimit</c>): a call that
    /// needs more fails with <see cref="OutOfMemoryException"/> (as a <see cref="RemoteInvocationException"/>) instead of
    /// taking the machine's memory, and its worker is then replaced. Default <see langword="null"/>: the runtime's own
    /// limits. At least 16 MiB.
    /// </summary>
    public long? WorkerHeapHardLimitBytes { get; set; }

    /// <summary>
    /// The most calls that may wait in the pool for a worker; beyond it, new calls wait for room or fail, as
    /// <see cref="QueueFullMode"/> says. Default <see langword="null"/>: unbounded.
    /// </summary>
    public int? MaxQueuedCalls { get; set; }

    /// <summary>What a call does when <see cref="MaxQueuedCalls"/> are already waiting. Default <see cref="Offload.QueueFullMode.Wait"/>.</summary>
    public QueueFullMode QueueFullMode { get; set; } = QueueFullMode.Wait;

    /// <summary>
    /// What the caller gets when a method throws in a worker. Default <see cref="RemoteExceptionMode.OwnType"/>: an
    /// exception of the type the worker threw where the parent can build one (so <c>catch (ArgumentException)</c> works
    /// as in-process), else a <see cref="RemoteInvocationException"/>; <see cref="RemoteExceptionMode.Wrapped"/>: always a
    /// <see cref="RemoteInvocationException"/>.
    /// </summary>
    public RemoteExceptionMode RemoteExceptions { get; set; } = RemoteExceptionMode.OwnType;

    /// <summary>How long a worker may take to start and connect back. Default 30 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a graceful shutdown waits for a worker to exit before it is killed. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where lines a worker writes to its standard output and error go. Default (<see langword="null"/>): logged under
    /// <see cref="WorkerOutputCategory"/> when <see cref="LoggerFactory"/> is set, else to this process's standard
    /// output and error, prefixed with <c>[worker N]</c>.
    /// </summary>
    public Action<WorkerOutputLine>? WorkerOutput { get; set; }

    /// <summary>
    /// The category under which worker output is logged when <see cref="LoggerFactory"/> is set and
    /// <see cref="WorkerOutput"/> is not: standard output at Information, standard error at Warning.
    /// </summary>
    public const string WorkerOutputCategory = "Offload.WorkerOutput";

    /// <summary>How many of a worker's last standard-error lines a crash report carries. Default 50 (enough for a fail-fast message above its stack trace).</summary>
    public int StandardErrorTailLines { get; set; } = 50;

    /// <summary>Extra environment variables for worker processes.</summary>
    public IDictionary<string, string> EnvironmentVariables { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Logger factory for the pool's own diagnostics, for what worker code logs (through an <see cref="ILogger"/>
    /// parameter or <see cref="OffloadWorker.LoggerFactory"/>), and for the lines workers write to their standard output
    /// and error when <see cref="WorkerOutput"/> is not set. Default: none.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// The lowest level at which what worker code logs is sent to the parent (where <see cref="LoggerFactory"/>'s own
    /// filters apply too). Default <see cref="LogLevel.Information"/>; <see cref="LogLevel.None"/> sends nothing. Without
    /// a <see cref="LoggerFactory"/> nothing is sent.
    /// </summary>
    public LogLevel WorkerLogLevel { get; set; } = LogLevel.Information;

    /// <summary>
    /// How many items of a streamed result (a method that returns <see cref="IAsyncEnumerable{T}"/>) a worker sends
    /// beyond what the caller has taken: a slow consumer stops the worker once this many wait. Default 32.
    /// </summary>
    public int StreamWindow { get; set; } = ProtocolConstants.DefaultStreamWindow;

    /// <summary>
    /// The pool's name in its metrics and spans (the <c>offload.pool.name</c> tag, see <see cref="OffloadTelemetry"/>),
    /// so that the pools of one process can be told apart. Default <see langword="null"/>: <c>shared</c> for
    /// <see cref="WorkerPool.Shared"/>, <c>pool-1</c>, <c>pool-2</c>… for the others, in the order they were created.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Whether large arguments and results travel through shared memory instead of the socket. Default
    /// <see langword="true"/>. A frame over <see cref="SharedMemoryThreshold"/> is written (by MemoryPack, directly) into a
    /// memory-mapped file in a fresh directory only the current user can open (under <c>/dev/shm</c> where it exists), and
    /// only a 24-byte descriptor crosses the socket; the peer reads the frame where it lies. Where no such directory can be
    /// made, or the pool's <see cref="SharedMemoryLimit"/> is reached, frames use the socket as before.
    /// </summary>
    public bool UseSharedMemory { get; set; } = true;

    /// <summary>
    /// Frames larger than this many bytes (an argument list or a result, a map chunk, a streamed item) go through shared
    /// memory when <see cref="UseSharedMemory"/> is on. Default 256 KiB; at least 4 KiB.
    /// </summary>
    public int SharedMemoryThreshold { get; set; } = DefaultSharedMemoryThreshold;

    /// <summary>
    /// The most bytes of shared memory the pool maps for large frames: half for the parent's arguments, and the other
    /// half split evenly between the workers for their results (a region is kept and reused while the pool runs). A
    /// frame that does not fit what is left travels over the socket. Default 1 GiB; at least 4 ×
    /// <see cref="SharedMemoryThreshold"/> × (<see cref="WorkerCount"/> + 1). Only the pages a frame touched use memory.
    /// </summary>
    public long SharedMemoryLimit { get; set; } = 1L << 30;

    /// <summary>The default <see cref="SharedMemoryThreshold"/>: 256 KiB.</summary>
    internal const int DefaultSharedMemoryThreshold = 256 * 1024;

    /// <summary>The smallest <see cref="SharedMemoryThreshold"/>: below a page, shared memory only costs.</summary>
    internal const int MinSharedMemoryThreshold = 4 * 1024;

    /// <summary>
    /// Checks every setting, as a pool does when it is created: throws <see cref="ArgumentOutOfRangeException"/> for the
    /// first one out of range, with the property's name as <see cref="ArgumentException.ParamName"/> and its value as
    /// <see cref="ArgumentOutOfRangeException.ActualValue"/>. Call it to check settings earlier, when they are read from
    /// configuration at start-up, say.
    /// </summary>
    /// <returns>These options, unchanged.</returns>
    public WorkerPoolOptions Validate()
    {
        if (WorkerCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerCount), WorkerCount, "A pool needs at least one worker.");
        }

        if (MaxFrameBytes < ProtocolConstants.MinMaxFrameBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameBytes), MaxFrameBytes, $"The maximum frame size must be at least {ProtocolConstants.MinMaxFrameBytes} bytes.");
        }

        if (StreamWindow < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(StreamWindow), StreamWindow, "A stream needs a window of at least one item.");
        }

        if (Prefetch is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "Prefetch cannot be negative.");
        }

        if (StartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StartTimeout), StartTimeout, "The start timeout must be positive.");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownTimeout), ShutdownTimeout, "The shutdown timeout cannot be negative.");
        }

        if (CallTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CallTimeout), CallTimeout, "The call timeout must be positive (or null for none).");
        }

        if (CancellationGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CancellationGracePeriod), CancellationGracePeriod, "Cannot be negative.");
        }

        if (MaxCallsPerWorker is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCallsPerWorker), MaxCallsPerWorker, "Must be at least 1 (or null for no limit).");
        }

        if (WorkerMemoryLimitBytes is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerMemoryLimitBytes), WorkerMemoryLimitBytes, "Must be positive (or null for no limit).");
        }

        if (WorkerHeapHardLimitBytes is < MinHeapHardLimitBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerHeapHardLimitBytes), WorkerHeapHardLimitBytes, $"Must be at least {MinHeapHardLimitBytes} bytes (or null for no limit).");
        }

        if (MaxQueuedCalls is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedCalls), MaxQueuedCalls, "Must be at least 1 (or null for unbounded).");
        }

        if (!Enum.IsDefined(QueueFullMode))
        {
            throw new ArgumentOutOfRangeException(nameof(QueueFullMode), QueueFullMode, "Unknown mode.");
        }

        if (!Enum.IsDefined(RemoteExceptions))
        {
            throw new ArgumentOutOfRangeException(nameof(RemoteExceptions), RemoteExceptions, "Unknown mode.");
        }

        if (Name is { } name && string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentOutOfRangeException(nameof(Name), Name, "A pool's name cannot be empty or blank (null gives it one).");
        }

        if (SharedMemoryThreshold < MinSharedMemoryThreshold)
        {
            throw new ArgumentOutOfRangeException(nameof(SharedMemoryThreshold), SharedMemoryThreshold, $"Must be at least {MinSharedMemoryThreshold} bytes.");
        }

        if (UseSharedMemory && SharedMemoryLimit < 4L * SharedMemoryThreshold * (WorkerCount + 1))
        {
            throw new ArgumentOutOfRangeException(nameof(SharedMemoryLimit), SharedMemoryLimit,
                $"Must be at least 4 × SharedMemoryThreshold × (WorkerCount + 1) = {4L * SharedMemoryThreshold * (WorkerCount + 1)} bytes, so that every worker has room for a large frame (or set UseSharedMemory to false).");
        }

        if (StandardErrorTailLines < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(StandardErrorTailLines), StandardErrorTailLines, "Cannot be negative.");
        }

        return this;
    }

    internal WorkerPoolOptions Clone()
    {
        var copy = new WorkerPoolOptions
        {
            WorkerCount = WorkerCount,
            MaxFrameBytes = MaxFrameBytes,
            Prefetch = Prefetch,
            CallTimeout = CallTimeout,
            CancellationGracePeriod = CancellationGracePeriod,
            MaxCallsPerWorker = MaxCallsPerWorker,
            WorkerMemoryLimitBytes = WorkerMemoryLimitBytes,
            WorkerHeapHardLimitBytes = WorkerHeapHardLimitBytes,
            MaxQueuedCalls = MaxQueuedCalls,
            QueueFullMode = QueueFullMode,
            RemoteExceptions = RemoteExceptions,
            StartTimeout = StartTimeout,
            ShutdownTimeout = ShutdownTimeout,
            WorkerOutput = WorkerOutput,
            StandardErrorTailLines = StandardErrorTailLines,
            LoggerFactory = LoggerFactory,
            WorkerLogLevel = WorkerLogLevel,
            StreamWindow = StreamWindow,
            Name = Name,
            UseSharedMemory = UseSharedMemory,
            SharedMemoryThreshold = SharedMemoryThreshold,
            SharedMemoryLimit = SharedMemoryLimit,
        };
        foreach (var (key, value) in EnvironmentVariables)
        {
            copy.EnvironmentVariables[key] = value;
        }

        return copy;
    }
}
