using System.Diagnostics;
using System.Globalization;
using Offload;
using Offload.Samples.Primes;

// Counts the primes below N by splitting [0, N) into segments, first sequentially in this process, then through
// pools of worker processes (each segment is one call of PrimeCounter.CountPrimesWithProgressAsync), and checks that
// every run finds the same count. While a run works, a progress line shows segments done, numbers checked and primes
// found so far, fed by the method's IProgress parameter from the workers. `--quick` uses a smaller N; `--limit N`
// sets N.
var quick = args.Contains("--quick");
var limit = ReadLimit(args) ?? (quick ? 2_000_000L : 10_000_000L);
var cores = Environment.ProcessorCount;
var workerCounts = new[] { 1, 2, cores }.Where(n => n <= cores).Distinct().Order().ToArray();
var segmentCounts = new[] { 4, 4 * cores, 64 }.Distinct().Order().ToArray();

Console.WriteLine($"Counting primes below {limit:N0} on {cores} core(s).");
Console.WriteLine();

// In-process, sequential: the baseline every other row is compared with. Both sides get a small warm-up first, so
// that neither pays for JIT compilation inside the timed runs.
PrimeCounter.CountPrimes(0, 100_000);
var stopwatch = Stopwatch.StartNew();
long expected;
using (var line = new ProgressLine("sequential", [(0, limit)]))
{
    expected = PrimeCounter.CountPrimesWithProgress(0, limit, line.Segment(0));
    line.Complete(0, expected);
}

var sequential = stopwatch.Elapsed;

var rows = new List<string[]> { new[] { "sequential (in-process)", "1", "-", Ms(sequential), "1.00x", expected.ToString("N0", CultureInfo.InvariantCulture) } };
var allAgree = true;
foreach (var workers in workerCounts)
{
    await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = workers });
    stopwatch.Restart();
    await pool.StartAsync();
    var startup = stopwatch.Elapsed;
    var ignored = new Progress<(long Checked, long Found)>();
    await Task.WhenAll(Enumerable.Range(0, workers * 4).Select(_ => PrimeCounter.CountPrimesWithProgressAsync(pool, 0, 100_000, ignored)));

    foreach (var segments in segmentCounts)
    {
        var ranges = Segments(limit, segments).ToArray();
        stopwatch.Restart();
        long[] counts;
        using (var line = new ProgressLine($"pool of {workers}", ranges))
        {
            counts = await Task.WhenAll(ranges.Select(async (s, i) =>
            {
                var count = await PrimeCounter.CountPrimesWithProgressAsync(pool, s.From, s.To, line.Segment(i));
                line.Complete(i, count);
                return count;
            }));
        }

        var elapsed = stopwatch.Elapsed;
        var total = counts.Sum();
        allAgree &= total == expected;
        rows.Add([
            $"pool (start-up {Ms(startup)})",
            workers.ToString(CultureInfo.InvariantCulture),
            segments.ToString(CultureInfo.InvariantCulture),
            Ms(elapsed),
            (sequential / elapsed).ToString("0.00", CultureInfo.InvariantCulture) + "x",
            total.ToString("N0", CultureInfo.InvariantCulture) + (total == expected ? "" : " MISMATCH"),
        ]);
    }
}

if (Console.IsOutputRedirected)
{
    // Set the table apart from the progress lines (on a terminal, the progress line is gone by now).
    Console.WriteLine();
}

PrintTable(["run", "workers", "segments", "wall time", "speedup", "primes"], rows);
Console.WriteLine();
Console.WriteLine(allAgree ? "All runs agree." : "Runs DISAGREE: see the rows marked MISMATCH.");
return allAgree ? 0 : 1;

static IEnumerable<(long From, long To)> Segments(long limit, int count)
{
    // Equal-width segments: later ones hold bigger numbers and take longer, which is what a pool must even out.
    for (var i = 0; i < count; i++)
    {
        yield return (limit * i / count, limit * (i + 1) / count);
    }
}

static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

static long? ReadLimit(string[] args)
{
    var index = Array.IndexOf(args, "--limit");
    return index >= 0 && index + 1 < args.Length ? long.Parse(args[index + 1], CultureInfo.InvariantCulture) : null;
}

static void PrintTable(string[] header, List<string[]> rows)
{
    var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
    Console.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
    Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
    foreach (var row in rows)
    {
        Console.WriteLine("| " + string.Join(" | ", row.Select((c, i) => i is 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |");
    }
}
