namespace Offload.Parent;

/// <summary>
/// What is process-wide: <see cref="WorkerPool.Shared"/> and its options, and every pool that has workers, so that
/// they are killed (and their directories removed) when the process exits without disposing them.
/// </summary>
internal static class SharedPools
{
    private static readonly Lock SharedLock = new();
    private static readonly HashSet<WorkerPool> LivePools = [];

    /// <summary>Pools set with <see cref="WorkerPool.UseAsShared"/>, in the order they were set; the last one serves.</summary>
    private static readonly List<WorkerPool> InUse = [];
    private static WorkerPoolOptions? sharedOptions;
    private static WorkerPool? shared;
    private static WorkerPool? inUse;
    private static bool processExiting;

    static SharedPools()
    {
        // Workers would exit on their own once we are gone; killing them on the way out just makes it immediate.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLivePools();
    }

    /// <summary>True once the process is exiting: pools start no more workers.</summary>
    public static bool ProcessExiting => Volatile.Read(ref processExiting);

    /// <summary>The pool set last with <see cref="Use"/>, if any; otherwise the shared pool, created on first use.</summary>
    public static WorkerPool Shared
    {
        get
        {
            if ((Volatile.Read(ref inUse) ?? Volatile.Read(ref shared)) is { } pool)
            {
                return pool;
            }

            lock (SharedLock)
            {
                if (shared is null)
                {
                    var options = (sharedOptions ?? new WorkerPoolOptions()).Clone();
                    options.Name ??= "shared";
                    shared = new WorkerPool(options);
                }

                return shared;
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

    /// <summary><see cref="Shared"/> returns <paramref name="pool"/> until the lease is disposed or the pool stops.</summary>
    public static IDisposable Use(WorkerPool pool)
    {
        lock (SharedLock)
        {
            InUse.Add(pool);
            Volatile.Write(ref inUse, pool);
        }

        return new Lease(pool);
    }

    /// <summary>A pool started: it is killed if the process exits first.</summary>
    public static void Add(WorkerPool pool)
    {
        lock (SharedLock)
        {
            LivePools.Add(pool);
        }
    }

    /// <summary>The pools that have workers now: what the metrics observe.</summary>
    public static WorkerPool[] LivePoolsSnapshot()
    {
        lock (SharedLock)
        {
            return [.. LivePools];
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

            // A stopped pool serves nobody: the calls made without a pool go to the one set before it, or to the shared one.
            if (InUse.RemoveAll(p => ReferenceEquals(p, pool)) > 0)
            {
                Volatile.Write(ref inUse, InUse.LastOrDefault());
            }
        }
    }

    private static void Release(WorkerPool pool)
    {
        lock (SharedLock)
        {
            var index = InUse.LastIndexOf(pool);
            if (index >= 0)
            {
                InUse.RemoveAt(index);
                Volatile.Write(ref inUse, InUse.LastOrDefault());
            }
        }
    }

    /// <summary>Undoes one <see cref="Use"/>, once.</summary>
    private sealed class Lease(WorkerPool pool) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Release(pool);
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
