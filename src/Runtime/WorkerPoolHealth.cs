namespace Offload;

/// <summary>
/// A snapshot of whether a <see cref="WorkerPool"/> can serve, for health checks; see <see cref="WorkerPool.GetHealth"/>.
/// </summary>
/// <param name="IsStarted">Workers were started, by the first call or <see cref="WorkerPool.StartAsync"/>.</param>
/// <param name="IsShutDown">
/// <see cref="WorkerPool.ShutdownAsync"/> or <see cref="WorkerPool.DisposeAsync"/> was called: the pool takes no more calls.
/// </param>
/// <param name="Fault">
/// Why the pool can never serve: its workers could not be started (several failed starts in a row, a
/// <c>[WorkerInitializer]</c> that threw, an app that cannot host workers); every call fails with it.
/// <see langword="null"/> while the pool can serve.
/// </param>
/// <param name="WorkersReady">Workers connected and serving now.</param>
/// <param name="WorkerCount">Workers the pool keeps running (<see cref="WorkerPoolOptions.WorkerCount"/>).</param>
/// <param name="RecentCrashes">
/// Workers that died unexpectedly within the window passed to <see cref="WorkerPool.GetHealth"/>, of the pool's last 256
/// crashes; a pool replaces each one, so a count that keeps growing means its workers keep crashing.
/// </param>
public readonly record struct WorkerPoolHealth(
    bool IsStarted,
    bool IsShutDown,
    Exception? Fault,
    int WorkersReady,
    int WorkerCount,
    int RecentCrashes);
