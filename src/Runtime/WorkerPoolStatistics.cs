namespace Offload;

/// <summary>Counters of a <see cref="WorkerPool"/> since it was created; see <see cref="WorkerPool.Statistics"/>.</summary>
/// <param name="CallsSubmitted">Calls handed to the pool.</param>
/// <param name="CallsSucceeded">Calls that completed with a result.</param>
/// <param name="CallsFailed">Calls that completed with an exception (any cause, timeouts and crashes included).</param>
/// <param name="CallsCanceled">Calls that completed as canceled.</param>
/// <param name="CallsRetried">Times a call was run again after its worker died, it timed out, or it threw (opt-in).</param>
/// <param name="CallsTimedOut">Calls that ran past their timeout.</param>
/// <param name="WorkersStarted">Worker processes that connected and served (the first ones and every replacement).</param>
/// <param name="WorkerCrashes">Workers that died unexpectedly (crashed, killed, broke the protocol).</param>
/// <param name="WorkersRecycled">Workers the pool retired on purpose: after their call limit or memory limit, a timeout, or a cancellation they ignored.</param>
/// <param name="QueueLength">Calls waiting in the pool for a worker right now.</param>
/// <param name="ConnectionsRefused">
/// Connections to the pool's socket that were closed without becoming a worker: no valid hello within the hello
/// deadline (2 s), the wrong secret or protocol version, no worker waiting for that id, or dropped to make room when
/// too many connections were already waiting for their hello. Real workers are not refused in normal operation: a
/// count that grows means something else is connecting to the pool's socket.
/// </param>
public readonly record struct WorkerPoolStatistics(
    long CallsSubmitted,
    long CallsSucceeded,
    long CallsFailed,
    long CallsCanceled,
    long CallsRetried,
    long CallsTimedOut,
    long WorkersStarted,
    long WorkerCrashes,
    long WorkersRecycled,
    int QueueLength,
    long ConnectionsRefused = 0);
