namespace Offload;

/// <summary>
/// The worker running the call died (it exited, crashed, was killed, or its channel broke) before answering.
/// Only the call that was running fails; calls queued behind it run on other workers, and the pool replaces the worker.
/// </summary>
public sealed class WorkerCrashedException : OffloadException
{
    /// <summary>Creates the exception.</summary>
    public WorkerCrashedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>The worker's exit code, when it exited.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The signal that ended the worker (Unix), when it was signalled.</summary>
    public int? Signal { get; init; }

    /// <summary>The last lines the worker wrote to its standard error.</summary>
    public IReadOnlyList<string> StandardErrorTail { get; init; } = [];
}
