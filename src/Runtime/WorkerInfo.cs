namespace Offload;

/// <summary>A snapshot of one worker of a pool.</summary>
/// <param name="Id">The worker id (unique in the pool; a replacement gets a new one).</param>
/// <param name="ProcessId">The worker's OS process id.</param>
/// <param name="CallsCompleted">Calls this worker answered.</param>
/// <param name="CallsInFlight">Calls sent to it and not yet answered.</param>
public readonly record struct WorkerInfo(int Id, int ProcessId, long CallsCompleted, int CallsInFlight);
