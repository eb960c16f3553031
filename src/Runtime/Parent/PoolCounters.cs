namespace Offload.Parent;

/// <summary>
/// The pool's counters, shared with its calls so that a call counts its own outcome wherever it completes (a worker's
/// answer, a crash, a timeout, a cancellation) without each of those places having to remember to.
/// </summary>
internal sealed class PoolCounters
{
    public long Succeeded;
    public long Failed;
    public long Canceled;
    public long Retried;
    public long TimedOut;
    public long WorkersStarted;
    public long WorkerCrashes;
    public long WorkersRecycled;
    public long ConnectionsRefused;

    /// <summary>When the recent crashes happened, for <see cref="WorkerPool.GetHealth"/>.</summary>
    public CrashHistory Crashes { get; } = new();

    /// <summary>A worker died unexpectedly: counted, and its time kept.</summary>
    public void CountCrash()
    {
        Interlocked.Increment(ref WorkerCrashes);
        Crashes.Record();
    }

    /// <summary>The counters as the public statistics, with the calls submitted so far and those queued now.</summary>
    public WorkerPoolStatistics Snapshot(long submitted, int queued) => new(
        submitted,
        Interlocked.Read(ref Succeeded),
        Interlocked.Read(ref Failed),
        Interlocked.Read(ref Canceled),
        Interlocked.Read(ref Retried),
        Interlocked.Read(ref TimedOut),
        Interlocked.Read(ref WorkersStarted),
        Interlocked.Read(ref WorkerCrashes),
        Interlocked.Read(ref WorkersRecycled),
        queued,
        Interlocked.Read(ref ConnectionsRefused));
}
