namespace Offload;

/// <summary>What a new call does when the pool's queue holds <see cref="WorkerPoolOptions.MaxQueuedCalls"/> calls.</summary>
public enum QueueFullMode
{
    /// <summary>The call waits (asynchronously) until there is room; its task completes later. The default.</summary>
    Wait,

    /// <summary>The call fails at once with <see cref="PoolQueueFullException"/>.</summary>
    Fail,
}
