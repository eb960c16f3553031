namespace Offload.Parent;

/// <summary>
/// What is process-wide: <see cref="WorkerPool.Shared"/> and its options, and every pool that has workers, so that
/// they are killed (and their directories removed) when the process exits without disposing them.
/// </summary>
internal static class SharedPools
{
    private static readonly Lock SharedLock = new();
    private static readonly HashSet<WorkerPool> LivePools = [];
    private static WorkerPoolOptions? sharedOptions;
    private static WorkerPool? shared;
    private static bool processExiting;

    static SharedPools()
    {
        // Workers would exit on their own once we are gone; killing them on the way out just makes it immediate.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLivePools();
    }

    /// <summary>True once the process is exiting: pools start no more workers.</summary>
    public static bool ProcessExiting => Volatile.Read(ref processExiting);

    /// <summary>The shared pool, created on first use.</summary>
    public static WorkerPool Shared
    {
        get
        {
            if (Volatile.Read(ref shared) is { } pool)
            {
                return pool;
            }

            lock (SharedLock)
            {
                return shared ??= new WorkerPool(sharedOptions);
            }
        }
    }

    /// <summary>Sets the shared pool's options; throws once it is in use.</summary>
    public static void Configure(WorkerPoolOptions options)
    {
        lock (SharedLock)
        {
            if (shared is not null)
            {
                throw new InvalidOperationException("WorkerPool.Shared is already in use; configure it before the first call.");
            }

            sharedOptions = options.Clone().Validate();
        }
    }

    /// <summary>A pool started: it is killed if the process exits first.</summary>
    public static void Add(WorkerPool pool)
    {
        lock (SharedLock)
        {
            LivePools.Add(pool);
        }
    }

    /// <summary>A pool stopped; if it was the shared one, the next use of <see cref="Shared"/> creates a new one.</summary>
    public static void Remove(WorkerPool pool)
    {
        lock (SharedLock)
        {
            LivePools.Remove(pool);
            if (ReferenceEquals(shared, pool))
            {
                shared = null;
            }
        }
    }

    private static void KillAllLivePools()
    {
        WorkerPool[] pools;
        lock (SharedLock)
        {
            processExiting = true;
            pools = [.. LivePools];
        }

        foreach (var pool in pools)
        {
            pool.KillAll();
        }
    }
}
