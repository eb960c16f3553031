using System.Diagnostics;

namespace Offload.Benchmarks;

/// <summary>Sizes a <see cref="Workloads.CollatzSteps"/> range so that one task takes a given time on this machine.</summary>
internal static class CpuCalibration
{
    /// <summary>Where the ranges start: high enough that neighbouring ranges cost nearly the same.</summary>
    public const long RangeStart = 10_000_000;

    /// <summary>
    /// Warm-up, done the same way here and in every worker: rounds of many short calls with pauses between them. Tiered
    /// compilation only promotes a method to optimized code after ~30 calls and a quiet 100 ms, so a method called a
    /// handful of times (as each worker is by a CPU batch) would otherwise be timed in its first-tier/OSR code.
    /// </summary>
    public const int WarmupRounds = 3;

    public const int WarmupCallsPerRound = 100;

    public const long WarmupRangeLength = 1_000;

    public static readonly TimeSpan WarmupPause = TimeSpan.FromMilliseconds(250);

    /// <summary>Returns the range length for about <paramref name="targetMilliseconds"/> of work, and its fastest measured time.</summary>
    public static (long Length, double MeasuredMilliseconds) Calibrate(double targetMilliseconds)
    {
        for (var round = 0; round < WarmupRounds; round++)
        {
            for (var i = 0; i < WarmupCallsPerRound; i++)
            {
                Workloads.CollatzSteps(RangeStart, RangeStart + WarmupRangeLength);
            }

            Thread.Sleep(WarmupPause);
        }

        long probe = 1_000;
        double elapsed;
        while ((elapsed = Time(probe)) < 25 && probe < (1L << 32))
        {
            probe *= 2;
        }

        // The fastest of a few runs: other processes on the machine only ever make a run slower.
        elapsed = Math.Min(elapsed, Math.Min(Time(probe), Time(probe)));
        var length = Math.Max(1, (long)(probe * targetMilliseconds / elapsed));
        var check = Math.Min(Time(length), Math.Min(Time(length), Time(length)));
        return (length, check);
    }

    private static double Time(long length)
    {
        var start = Stopwatch.GetTimestamp();
        GC.KeepAlive(Workloads.CollatzSteps(RangeStart, RangeStart + length));
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
