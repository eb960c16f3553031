using System.Runtime;
using System.Runtime.InteropServices;

namespace Offload.Benchmarks;

/// <summary>The machine and runtime a run was made on, printed above the table and stored in the JSON.</summary>
internal sealed record RunEnvironment(
    DateTimeOffset StartedUtc,
    string Mode,
    string Os,
    string Architecture,
    string Runtime,
    string Cpu,
    int ProcessorCount,
    string GarbageCollector,
    string Configuration,
    string LoadAverageAtStart)
{
    /// <summary>Set when the run ends: other processes busy on the machine make every number here worse.</summary>
    public string? LoadAverageAtEnd { get; init; }

    /// <summary>Wall time of the whole run, set when it ends.</summary>
    public double? WallSeconds { get; init; }

    public static RunEnvironment Capture(string mode) => new(
        DateTimeOffset.UtcNow,
        mode,
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        RuntimeInformation.FrameworkDescription,
        ReadCpuModel(),
        Environment.ProcessorCount,
        $"{(GCSettings.IsServerGC ? "server" : "workstation")}, {GCSettings.LatencyMode}",
#if DEBUG
        "Debug",
#else
        "Release",
#endif
        ReadLoadAverage());

    public IEnumerable<string> Describe()
    {
        yield return $"Started (UTC): {StartedUtc:yyyy-MM-dd HH:mm:ss}, mode: {Mode}, build: {Configuration}";
        yield return $"Machine: {Cpu}, {ProcessorCount} logical processors, {Architecture}";
        yield return $"OS: {Os}; runtime: {Runtime}; parent GC: {GarbageCollector}";
        yield return $"Load average (1/5/15 min) at start: {LoadAverageAtStart}" + (LoadAverageAtEnd is null ? "" : $", at end (this run included): {LoadAverageAtEnd}");
        if (WallSeconds is { } wall)
        {
            yield return $"Run time: {wall:F1} s";
        }

        if (WasBusy)
        {
            yield return "WARNING: the machine was busy when the run started (1-minute load at or above the processor count); expect slower, noisier numbers.";
        }
    }

    /// <summary>
    /// True when the 1-minute load at the start reached the processor count. (The load at the end counts this run's
    /// own processes, so it says little about others.)
    /// </summary>
    public bool WasBusy =>
        LoadAverageAtStart.Split(' ')[0] is { } first &&
        double.TryParse(first, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var load) &&
        load >= ProcessorCount;

    /// <summary>The 1, 5 and 15 minute load averages where the OS has them (Linux), else "n/a".</summary>
    public static string ReadLoadAverage()
    {
        try
        {
            if (File.Exists("/proc/loadavg"))
            {
                return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
            }
        }
        catch (IOException)
        {
        }

        return "n/a";
    }

    private static string ReadCpuModel()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null && line.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
            // Unknown is fine: the CPU model is context, not a result.
        }

        return "unknown CPU";
    }
}
