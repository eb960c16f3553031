using Microsoft.Extensions.Logging;

namespace Offload.Parent;

/// <summary>
/// Counts and logs the connections the pool's endpoint refuses. Under a flood (thousands of connections that never
/// say hello) a warning for each would itself be the damage, so only the first refusal of every
/// <see cref="WarningInterval"/> is a warning, with how many were refused since the previous one; the others are logged
/// at Debug, and the pool's statistics count every one.
/// </summary>
internal sealed class ConnectionRefusals(ILogger logger, PoolCounters counters)
{
    /// <summary>At most one refusal warning per interval (milliseconds of <see cref="Environment.TickCount64"/>).</summary>
    private const long WarningInterval = 10_000;

    private long _nextWarning = long.MinValue;
    private int _quiet;

    public void OnRefused(string reason)
    {
        Interlocked.Increment(ref counters.ConnectionsRefused);
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _nextWarning);
        if (now >= next && Interlocked.CompareExchange(ref _nextWarning, now + WarningInterval, next) == next)
        {
            var quiet = Interlocked.Exchange(ref _quiet, 0);
            if (quiet > 0)
            {
                Log.ConnectionsRefusedQuietly(logger, quiet);
            }

            Log.ConnectionRefused(logger, reason);
        }
        else
        {
            Interlocked.Increment(ref _quiet);
            Log.ConnectionRefusedQuietly(logger, reason);
        }
    }
}
