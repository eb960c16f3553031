namespace Offload;

/// <summary>How <see cref="WorkerPool.ShutdownAsync"/> treats calls that have not finished.</summary>
public enum ShutdownMode
{
    /// <summary>Queued and running calls finish, then the workers exit. What <see cref="WorkerPool.DisposeAsync"/> does.</summary>
    Drain,

    /// <summary>Queued calls are canceled (their tasks end as canceled); running calls finish; then the workers exit.</summary>
    CancelQueued,

    /// <summary>
    /// Workers are killed at once; queued calls are canceled and running calls fail with
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    Kill,
}
