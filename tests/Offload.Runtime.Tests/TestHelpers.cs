using System.Diagnostics;

namespace Offload.Runtime.Tests;

/// <summary>Waiting for conditions and watching or killing worker processes: what many tests need alike.</summary>
internal static class TestHelpers
{
    /// <summary>Waits until <paramref name="condition"/> holds; fails the test if it does not within <paramref name="timeoutMs"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 10_000, int pollMs = 20)
    {
        if (!await TryWaitUntilAsync(condition, timeoutMs, pollMs))
        {
            Assert.Fail($"condition not met in {timeoutMs} ms");
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds or <paramref name="timeoutMs"/> pass; says which. For tests that
    /// make their own, more telling assertion afterwards.
    /// </summary>
    public static async Task<bool> TryWaitUntilAsync(Func<bool> condition, int timeoutMs = 10_000, int pollMs = 20)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            await Task.Delay(pollMs);
        }

        return true;
    }

    /// <summary>
    /// True while the process runs. A dead process whose parent died stays a zombie until init reaps it (here that takes
    /// up to two seconds); it holds no memory and runs no code, so it counts as dead.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Sends SIGKILL to a process, from outside, as an OOM killer or an operator would.</summary>
    public static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
    }

    /// <summary>Kills a random busy worker every 100 ms until <paramref name="done"/> completes; returns the killed ids.</summary>
    public static async Task<HashSet<int>> KillRandomWorkersUntilAsync(WorkerPool pool, Task done)
    {
        var killed = new HashSet<int>();
        var random = new Random(1234);
        var deadline = Stopwatch.StartNew();
        while (!done.IsCompleted)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), "the calls did not finish in 90 s");
            await Task.WhenAny(done, Task.Delay(100));
            // Only a pool at full strength loses a worker: on a loaded machine a replacement can take longer than the
            // interval, and killing the lone survivor again and again would test the machine, not the pool.
            var workers = pool.Workers;
            var busy = workers.Where(w => w.CallsInFlight > 0).ToArray();
            if (done.IsCompleted || busy.Length == 0 || workers.Count < pool.WorkerCount)
            {
                continue;
            }

            var victim = busy[random.Next(busy.Length)];
            try
            {
                Kill(victim.ProcessId);
                killed.Add(victim.Id);
            }
            catch (ArgumentException)
            {
                // It exited on its own in the meantime.
            }
        }

        try
        {
            await done;
        }
        catch
        {
            // The caller inspects each call.
        }

        return killed;
    }
}
