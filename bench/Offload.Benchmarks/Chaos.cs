using System.Diagnostics;

namespace Offload.Benchmarks;

/// <summary>
/// The chaos benchmark: many calls while a worker is killed every 200 ms, once with plain methods (a kill costs the
/// call it was running) and once with retries (a kill costs nothing). Prints and records calls run, failed (and why),
/// retried and lost, and worker restarts. A lost call (one that never completes, or returns a wrong result) is a bug.
/// </summary>
internal static partial class Chaos
{
    private static readonly TimeSpan KillEvery = TimeSpan.FromMilliseconds(200);

    /// <summary>A little CPU work per call, so that workers are killed mid-call and the run lasts some seconds.</summary>
    [RunInWorkerProcess]
    public static long Work(long x, int spinMicroseconds) => Spin(x, spinMicroseconds);

    /// <summary>The same work, declared idempotent: a call whose worker dies is run again elsewhere.</summary>
    [RunInWorkerProcess(MaxRetries = 10)]
    public static long RetriedWork(long x, int spinMicroseconds) => Spin(x, spinMicroseconds);

    public static async Task RunAsync(BenchmarkSettings settings, ResultTable table, Func<WorkerPool, WorkerPool> track)
    {
        foreach (var retried in new[] { false, true })
        {
            var label = retried ? "with MaxRetries = 10" : "without retries";
            await using var pool = track(new WorkerPool(new WorkerPoolOptions
            {
                WorkerCount = Math.Max(2, Environment.ProcessorCount),
                Prefetch = 4,
                WorkerOutput = _ => { },
            }));
            await pool.StartAsync();
            var initial = pool.Statistics.WorkersStarted;

            var clock = Stopwatch.StartNew();
            var calls = new Task<long>[settings.ChaosCalls];
            for (var i = 0; i < calls.Length; i++)
            {
                calls[i] = retried ? RetriedWorkAsync(pool, i, settings.ChaosSpinMicroseconds) : WorkAsync(pool, i, settings.ChaosSpinMicroseconds);
            }

            // Both runs share one section: each gets half of its time, less the 10 s each waits for stragglers.
            var kills = await KillEveryAsync(pool, Task.WhenAll(calls), (settings.SectionTimeout / 2) - TimeSpan.FromSeconds(15));
            var elapsed = clock.Elapsed;

            long succeeded = 0, wrong = 0, lost = 0;
            var failures = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < calls.Length; i++)
            {
                var call = calls[i];
                if (!call.IsCompleted)
                {
                    lost++;
                }
                else if (call.IsCompletedSuccessfully)
                {
                    if (call.Result == Expected(i))
                    {
                        succeeded++;
                    }
                    else
                    {
                        wrong++;
                    }
                }
                else
                {
                    var why = call.Exception!.InnerException!.GetType().Name;
                    failures[why] = failures.GetValueOrDefault(why) + 1;
                }
            }

            var statistics = pool.Statistics;
            var failed = failures.Values.Sum();
            var reasons = failures.Count == 0 ? "none" : string.Join(", ", failures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Value} {f.Key}"));
            var notes = $"{calls.Length:N0} calls, {pool.WorkerCount} workers, a worker killed every {KillEvery.TotalMilliseconds:0} ms, {elapsed.TotalSeconds:F1} s";
            table.Add("chaos", $"Chaos {label}: calls run", succeeded, "calls", 0, notes);
            table.Add("chaos", $"Chaos {label}: calls failed", failed, "calls", 0, $"why: {reasons}");
            table.Add("chaos", $"Chaos {label}: calls retried", statistics.CallsRetried, "retries", 0);
            table.Add("chaos", $"Chaos {label}: calls lost or wrong", lost + wrong, "calls", 0, "must be 0");
            table.Add("chaos", $"Chaos {label}: workers killed", kills, "workers", 0);
            table.Add("chaos", $"Chaos {label}: worker restarts", statistics.WorkersStarted - initial, "workers", 0, $"{statistics.WorkerCrashes} crashes seen by the pool");
            if (lost + wrong > 0)
            {
                throw new InvalidOperationException($"Chaos {label}: {lost} calls lost and {wrong} wrong results.");
            }

        }
    }

    private static long Expected(long x) => (x * 31) + 7;

    private static long Spin(long x, int spinMicroseconds)
    {
        var until = Stopwatch.GetTimestamp() + (spinMicroseconds * Stopwatch.Frequency / 1_000_000);
        while (Stopwatch.GetTimestamp() < until)
        {
        }

        return Expected(x);
    }

    /// <summary>Kills a random worker (SIGKILL) every 200 ms until <paramref name="done"/> completes.</summary>
    private static async Task<int> KillEveryAsync(WorkerPool pool, Task done, TimeSpan limit)
    {
        var random = new Random(42);
        var kills = 0;
        var clock = Stopwatch.StartNew();
        while (await Task.WhenAny(done, Task.Delay(KillEvery)) != done)
        {
            if (clock.Elapsed > limit)
            {
                break;
            }

            var workers = pool.Workers;
            if (workers.Count == 0)
            {
                continue;
            }

            try
            {
                using var process = Process.GetProcessById(workers[random.Next(workers.Count)].ProcessId);
                process.Kill();
                kills++;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // It died in the meantime.
            }
        }

        try
        {
            await done.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // Failed and unfinished calls are counted one by one by the caller.
        }

        return kills;
    }
}
