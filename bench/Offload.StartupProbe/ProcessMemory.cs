using System.Globalization;

namespace Offload.StartupProbe;

/// <summary>A process's RSS and PSS in KiB, from /proc/&lt;pid&gt;/smaps_rollup (medians over several processes).</summary>
internal readonly record struct ProcessMemory(double RssKiB, double PssKiB)
{
    public static ProcessMemory? Median(IEnumerable<int> processIds)
    {
        var readings = processIds.Select(TryRead).OfType<ProcessMemory>().ToArray();
        return readings.Length == 0 ? null : new ProcessMemory(Median(readings.Select(m => m.RssKiB)), Median(readings.Select(m => m.PssKiB)));
    }

    private static ProcessMemory? TryRead(int processId)
    {
        try
        {
            double? rss = null, pss = null;
            foreach (var line in File.ReadLines($"/proc/{processId}/smaps_rollup"))
            {
                var value = () => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                rss = line.StartsWith("Rss:", StringComparison.Ordinal) ? value() : rss;
                pss = line.StartsWith("Pss:", StringComparison.Ordinal) ? value() : pss;
            }

            return rss is { } r && pss is { } p ? new ProcessMemory(r, p) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
