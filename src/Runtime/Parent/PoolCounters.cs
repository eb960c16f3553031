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
}
