using ScottPlot;

namespace Offload.Benchmarks;

/// <summary>The two PNG plots of a run (ScottPlot): CPU speedup against worker count, and latency percentiles.</summary>
internal static class Plots
{
    private const int Width = 800;
    private const int Height = 500;

    /// <summary>Writes speedup.png and latency.png into <paramref name="directory"/> where the run has their numbers; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(string directory, Findings findings)
    {
        List<string> written = [];
        if (findings.Scaling.Count > 0)
        {
            var path = Path.Combine(directory, "speedup.png");
            Speedup(findings.Scaling).SavePng(path, Width, Height);
            written.Add(path);
        }

        List<(string Name, double[] Values)> series = [];
        if (findings.RawPingPongBlocking is { } blocking)
        {
            series.Add(("raw UDS ping-pong (blocking)", Percentiles(blocking)));
        }

        if (findings.RawPingPongAsync is { } awaited)
        {
            series.Add(("raw UDS ping-pong (async)", Percentiles(awaited)));
        }

        if (findings.RoundTrip is { } offload)
        {
            series.Add(("Offload Echo(int), 1 worker", Percentiles(offload)));
        }

        if (findings.Python is { } python)
        {
            series.Add(("Python apply_async().get()", [python.LatencyP50, python.LatencyP90, python.LatencyP99]));
        }

        if (series.Count > 0)
        {
            var path = Path.Combine(directory, "latency.png");
            Latency(series).SavePng(path, Width, Height);
            written.Add(path);
        }

        return written;
    }

    private static double[] Percentiles(LatencySummary s) => [s.P50, s.P90, s.P99];

    private static Plot Speedup(IReadOnlyList<ScalingPoint> points)
    {
        var plot = new Plot();
        double[] workers = points.Select(p => (double)p.Workers).ToArray();
        var max = workers.Max();

        var ideal = plot.Add.Line(0, 0, max + 0.5, max + 0.5);
        ideal.LegendText = "ideal (speedup = workers)";
        ideal.LinePattern = LinePattern.Dashed;
        ideal.Color = Colors.Gray;

        var threads = plot.Add.Scatter(workers, points.Select(p => p.ParallelForSpeedup).ToArray());
        threads.LegendText = "Parallel.For, same degree (in-process)";
        threads.MarkerSize = 8;

        var pool = plot.Add.Scatter(workers, points.Select(p => p.PoolSpeedup).ToArray());
        pool.LegendText = "Offload pool";
        pool.MarkerSize = 8;
        pool.LineWidth = 2;

        plot.Title("CPU-bound batch: speedup over sequential in-process");
        plot.XLabel("workers (degree of parallelism)");
        plot.YLabel("speedup (T_seq / T)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            workers, workers.Select(w => w.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimits(0, max + 0.5, 0, Math.Max(max, points.Max(p => Math.Max(p.PoolSpeedup, p.ParallelForSpeedup))) + 0.5);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot Latency(List<(string Name, double[] Values)> series)
    {
        var plot = new Plot();
        string[] percentiles = ["p50", "p90", "p99"];
        var groupWidth = series.Count + 1.0;
        var palette = new ScottPlot.Palettes.Category10();
        for (var s = 0; s < series.Count; s++)
        {
            var positions = Enumerable.Range(0, percentiles.Length).Select(p => (p * groupWidth) + s).ToArray();
            // Log scale: bars of log10(µs) from 1 µs, labelled with the value itself.
            var values = series[s].Values;
            var bars = plot.Add.Bars(positions.Select(x => (double)x).ToArray(), values.Select(v => Math.Log10(Math.Max(v, 1))).ToArray());
            bars.LegendText = series[s].Name;
            for (var i = 0; i < bars.Bars.Count; i++)
            {
                bars.Bars[i].FillColor = palette.GetColor(s);
                bars.Bars[i].Label = values[i].ToString(values[i] < 100 ? "F1" : "F0", System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, percentiles.Length).Select(p => (p * groupWidth) + ((series.Count - 1) / 2.0)).ToArray(),
            percentiles);
        plot.Title("Round trip of a trivial call, one outstanding");
        plot.YLabel("µs (log scale)");
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
