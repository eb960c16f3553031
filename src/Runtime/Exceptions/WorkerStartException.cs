namespace Offload;

/// <summary>Workers could not be started (the host is missing, exits at start, or never connects back in time).</summary>
public sealed class WorkerStartException : OffloadException
{
    /// <summary>Creates the exception.</summary>
    public WorkerStartException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>The last lines the worker wrote to its standard error, if it wrote any.</summary>
    public IReadOnlyList<string> StandardErrorTail { get; init; } = [];

    /// <summary>
    /// A start that will fail the same way every time (a <c>[WorkerInitializer]</c> threw): the pool faults at once
    /// instead of retrying.
    /// </summary>
    internal bool IsPermanent { get; init; }
}
