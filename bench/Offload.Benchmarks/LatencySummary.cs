using System.Diagnostics;

namespace Offload.Benchmarks;

/// <summary>Percentiles of a set of <see cref="Stopwatch"/> intervals, in microseconds.</summary>
internal readonly record struct LatencySummary(int Count, double Min, double P50, double P90, double P99, double Max, double Mean)
{
    /// <summary>Summarizes intervals measured in <see cref="Stopwatch"/> ticks; sorts <paramref name="ticks"/> in place.</summary>
    public static LatencySummary FromStopwatchTicks(long[] ticks)
    {
        if (ticks.Length == 0)
        {
            throw new ArgumentException("No samples.", nameof(ticks));
        }

        Array.Sort(ticks);
        var microsecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;
        double sum = 0;
        foreach (var t in ticks)
        {
            sum += t;
        }

        return new LatencySummary(
            ticks.Length,
            ticks[0] * microsecondsPerTick,
            Percentile(ticks, 50) * microsecondsPerTick,
            Percentile(ticks, 90) * microsecondsPerTick,
            Percentile(ticks, 99) * microsecondsPerTick,
            ticks[^1] * microsecondsPerTick,
            sum / ticks.Length * microsecondsPerTick);
    }

    /// <summary>Median of a few values (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static long Percentile(long[] sorted, double percentile)
    {
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
