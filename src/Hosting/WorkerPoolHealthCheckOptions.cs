namespace Offload.Hosting;

/// <summary>When the Offload health check reports a pool as degraded: see <see cref="Microsoft.Extensions.DependencyInjection.OffloadHealthChecksBuilderExtensions"/>.</summary>
public sealed class WorkerPoolHealthCheckOptions
{
    /// <summary>The most crashes <see cref="CrashThreshold"/> may ask for: the pool remembers its last 256.</summary>
    public const int MaxCrashThreshold = 256;

    /// <summary>
    /// Degraded once this many workers crashed within <see cref="CrashWindow"/>: the pool replaces each one, but workers
    /// that keep crashing mean something is wrong. Default 3; from 1 to <see cref="MaxCrashThreshold"/>.
    /// </summary>
    public int CrashThreshold { get; set; } = 3;

    /// <summary>How far back crashes count towards <see cref="CrashThreshold"/>. Default 1 minute; positive.</summary>
    public TimeSpan CrashWindow { get; set; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        if (CrashThreshold is < 1 or > MaxCrashThreshold)
        {
            throw new ArgumentOutOfRangeException(nameof(CrashThreshold), CrashThreshold, $"Must be from 1 to {MaxCrashThreshold}.");
        }

        if (CrashWindow <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CrashWindow), CrashWindow, "Must be positive.");
        }
    }
}
