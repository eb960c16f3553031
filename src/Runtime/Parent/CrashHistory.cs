using System.Diagnostics;

namespace Offload.Parent;

/// <summary>
/// When the pool's last <see cref="Capacity"/> worker crashes happened, so that a health check can tell a pool whose
/// workers keep crashing from one that lost a worker once: <see cref="WorkerPoolStatistics.WorkerCrashes"/> is a total
/// since the pool was created, and says nothing about how recent they were.
/// </summary>
internal sealed class CrashHistory
{
    /// <summary>How many crashes are remembered; older ones drop out.</summary>
    public const int Capacity = 256;

    private readonly Lock _lock = new();
    private readonly long[] _timestamps = new long[Capacity];
    private int _next;
    private int _count;

    /// <summary>A worker crashed now.</summary>
    public void Record()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            _timestamps[_next] = now;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>Crashes within the last <paramref name="window"/> (of the last <see cref="Capacity"/>).</summary>
    public int CountWithin(TimeSpan window)
    {
        var now = Stopwatch.GetTimestamp();
        var recent = 0;
        lock (_lock)
        {
            for (var i = 0; i < _count; i++)
            {
                if (Stopwatch.GetElapsedTime(_timestamps[i], now) <= window)
                {
                    recent++;
                }
            }
        }

        return recent;
    }
}
