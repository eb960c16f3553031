namespace Offload.Parent;

/// <summary>Where a <see cref="WorkerPool"/> is in its life.</summary>
internal enum PoolState
{
    /// <summary>No worker started yet: they start on the first call or <see cref="WorkerPool.StartAsync"/>.</summary>
    Created,

    /// <summary>Workers start and take calls.</summary>
    Running,

    /// <summary>Shutting down: no new calls; queued and running calls finish (or are canceled, by mode).</summary>
    Draining,

    /// <summary>Every worker was stopped.</summary>
    Disposed,
}
