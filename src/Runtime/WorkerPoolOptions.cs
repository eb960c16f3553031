using Microsoft.Extensions.Logging;
using Offload.Protocol;

namespace Offload;

/// <summary>Settings of a <see cref="WorkerPool"/>. A pool copies them when it is created.</summary>
public sealed class WorkerPoolOptions
{
    /// <summary>Number of worker processes. Default: <see cref="Environment.ProcessorCount"/>.</summary>
    public int WorkerCount { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Largest frame, in bytes, on a worker channel: arguments or a result that need more fail with
    /// <see cref="PayloadTooLargeException"/>. Default 64 MiB; at least 64 KiB.
    /// </summary>
    public int MaxFrameBytes { get; set; } = ProtocolConstants.DefaultMaxFrameBytes;

    /// <summary>
    /// Calls sent ahead to a worker while it runs one, so it never waits for the parent between short calls.
    /// Higher values help many tiny calls; lower values keep long calls from queueing behind each other. Default 1.
    /// </summary>
    public int Prefetch { get; set; } = 1;

    /// <summary>How long a worker may take to start and connect back. Default 30 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a graceful shutdown waits for a worker to exit before it is killed. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where lines a worker writes to its standard output and error go. Default (<see langword="null"/>): to this
    /// process's standard output and error, prefixed with <c>[worker N]</c>.
    /// </summary>
    public Action<WorkerOutputLine>? WorkerOutput { get; set; }

    /// <summary>How many of a worker's last standard-error lines a crash report carries. Default 20.</summary>
    public int StandardErrorTailLines { get; set; } = 20;

    /// <summary>Extra environment variables for worker processes.</summary>
    public IDictionary<string, string> EnvironmentVariables { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Logger factory for the pool's own diagnostics. Default: none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal WorkerPoolOptions Validate()
    {
        if (WorkerCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerCount), WorkerCount, "A pool needs at least one worker.");
        }

        if (MaxFrameBytes < ProtocolConstants.MinMaxFrameBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameBytes), MaxFrameBytes, $"The maximum frame size must be at least {ProtocolConstants.MinMaxFrameBytes} bytes.");
        }

        if (Prefetch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "Prefetch cannot be negative.");
        }

        if (StartTimeout <= TimeSpan.Zero || ShutdownTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StartTimeout), "Timeouts must be positive.");
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
            StartTimeout = StartTimeout,
            ShutdownTimeout = ShutdownTimeout,
            WorkerOutput = WorkerOutput,
            StandardErrorTailLines = StandardErrorTailLines,
            LoggerFactory = LoggerFactory,
        };
        foreach (var (key, value) in EnvironmentVariables)
        {
            copy.EnvironmentVariables[key] = value;
        }

        return copy;
    }
}
