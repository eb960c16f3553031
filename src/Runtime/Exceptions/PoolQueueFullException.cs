namespace Offload;

/// <summary>
/// The pool's queue already held <see cref="WorkerPoolOptions.MaxQueuedCalls"/> calls and
/// <see cref="WorkerPoolOptions.QueueFullMode"/> is <see cref="QueueFullMode.Fail"/>: the call was not run.
/// </summary>
public sealed class PoolQueueFullException : OffloadException
{
    /// <summary>Creates the exception.</summary>
    public PoolQueueFullException(string message)
        : base(message)
    {
    }

    /// <summary>The queue bound that was reached.</summary>
    public int MaxQueuedCalls { get; init; }
}
