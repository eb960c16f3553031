using System.Globalization;

namespace Offload.Benchmarks;

/// <summary>A process's resident (RSS) and proportional (PSS) memory in KiB, from /proc/&lt;pid&gt;/smaps_rollup.</summary>
internal readonly record struct ProcessMemory(double RssKiB, double PssKiB)
{
    /// <summary>Reads a process's memory; null where smaps_rollup is not available (not Linux, or the process is gone).</summary>
    public static ProcessMemory? TryRead(int processId)
    {
        try
        {
            double? rss = null, pss = null;
            foreach (var line in File.ReadLines($"/proc/{processId}/smaps_rollup"))
            {
                if (line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    rss = ParseKiB(line);
                }
                else if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    pss = ParseKiB(line);
                }
            }

            return rss is { } r && pss is { } p ? new ProcessMemory(r, p) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The median RSS and median PSS of several processes; null when none could be read.</summary>
    public static ProcessMemory? Median(IEnumerable<int> processIds)
    {
        var readings = processIds.Select(TryRead).OfType<ProcessMemory>().ToArray();
        return readings.Length == 0
            ? null
            : new ProcessMemory(
                LatencySummary.Median(readings.Select(m => m.RssKiB).ToArray()),
                LatencySummary.Median(readings.Select(m => m.PssKiB).ToArray()));
    }

    // "Rss:               12345 kB"
    private static double ParseKiB(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
