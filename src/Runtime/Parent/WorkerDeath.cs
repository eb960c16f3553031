namespace Offload.Parent;

/// <summary>Why and how a worker died, for settling the call it was running.</summary>
/// <param name="WorkerId">The worker's id.</param>
/// <param name="ProcessId">Its process id.</param>
/// <param name="Reason">The first sign of death (its channel closed, a protocol error, …).</param>
/// <param name="Exit">How its process ended.</param>
/// <param name="Expected">The pool stopped it on purpose (shutting down): its call fails as the pool's, not as a crash.</param>
/// <param name="TimedOut">The pool killed it because its running call ran past its timeout.</param>
/// <param name="Timeout">That timeout, when <paramref name="TimedOut"/>.</param>
internal sealed record WorkerDeath(int WorkerId, int ProcessId, string Reason, WorkerExit Exit, bool Expected, bool TimedOut, TimeSpan Timeout);
