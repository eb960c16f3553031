using System.Diagnostics;

namespace Offload.Benchmarks;

/// <summary>This process's CPU time (all threads) over a stretch of wall-clock time.</summary>
internal sealed class CpuMeter
{
    private TimeSpan _cpuStart;
    private long _wallStart;

    public TimeSpan Cpu { get; private set; }

    public TimeSpan Wall { get; private set; }

    public void Start()
    {
        _cpuStart = Environment.CpuUsage.TotalTime;
        _wallStart = Stopwatch.GetTimestamp();
    }

    public void Stop()
    {
        Wall = Stopwatch.GetElapsedTime(_wallStart);
        Cpu = Environment.CpuUsage.TotalTime - _cpuStart;
    }

    /// <summary>"CPU x µs/call (y% of one core)" for <paramref name="calls"/> operations.</summary>
    public string Describe(int calls) =>
        $"CPU {Cpu.TotalMicroseconds / calls:F1} µs/call ({Cpu / Wall * 100:F0}% of one core)";
}
