using System.Diagnostics;

namespace Offload.Benchmarks;

/// <summary>A batch of CPU tasks with each task's result and time measured in-process, one after another.</summary>
internal sealed class CpuBatch
{
    private readonly long[] _expected;

    public CpuBatch((long From, long To)[] ranges)
    {
        Ranges = ranges;
        _expected = new long[ranges.Length];
        TaskMs = new double[ranges.Length];
        for (var i = 0; i < ranges.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            _expected[i] = Workloads.CollatzSteps(ranges[i].From, ranges[i].To);
            TaskMs[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }

    public (long From, long To)[] Ranges { get; }

    /// <summary>Each task's in-process time.</summary>
    public double[] TaskMs { get; }

    /// <summary>The sequential time: the sum of the task times.</summary>
    public double SequentialMs => TaskMs.Sum();

    public double LongestMs => TaskMs.Max();

    public void Check(long[] results)
    {
        if (!results.AsSpan().SequenceEqual(_expected))
        {
            throw new InvalidOperationException("A CPU batch gave results different from the in-process run.");
        }
    }
}

/// <summary>
/// The two CPU batches: <see cref="CpuBatch"/> of uniform tasks sized to the target time, and a skewed one where
/// every 8th task is 10× longer. Calibrated and timed in-process once per run.
/// </summary>
internal sealed record CpuBatches(long Length, double CalibratedMs, CpuBatch Uniform, CpuBatch Skewed)
{
    public const int SkewEvery = 8;
    public const int SkewFactor = 10;

    public static CpuBatches Create(BenchmarkSettings settings)
    {
        var (length, measured) = CpuCalibration.Calibrate(settings.CpuTaskMilliseconds);
        var uniform = new (long From, long To)[settings.CpuTasks];
        var skewed = new (long From, long To)[settings.CpuTasks];
        long from = CpuCalibration.RangeStart, skewedFrom = CpuCalibration.RangeStart;
        for (var i = 0; i < settings.CpuTasks; i++)
        {
            uniform[i] = (from, from + length);
            from += length;
            var skewedLength = i % SkewEvery == 0 ? length * SkewFactor : length;
            skewed[i] = (skewedFrom, skewedFrom + skewedLength);
            skewedFrom += skewedLength;
        }

        Console.WriteLine($"  CPU task: {length:N0} numbers from {CpuCalibration.RangeStart:N0} (Collatz steps), {measured:F1} ms in-process (target {settings.CpuTaskMilliseconds} ms)");
        return new CpuBatches(length, measured, new CpuBatch(uniform), new CpuBatch(skewed));
    }
}
