namespace Offload.Runtime.Tests;

/// <summary>Methods with retry, timeout and initializer settings.</summary>
public static partial class RetryWorkloads
{
    private static int attempts;
    private static long initializedAt;
    private static int initializations;

    /// <summary>Runs once in every worker before its first call; fails when the pool asks it to, as a broken setup would.</summary>
    [WorkerInitializer]
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("OFFLOAD_TEST_FAIL_INITIALIZER") == "1")
        {
            throw new InvalidOperationException("the model file is missing");
        }

        initializations++;
        initializedAt = Environment.TickCount64;
    }

    /// <summary>A second initializer, ordered after the first.</summary>
    [WorkerInitializer(Order = 1)]
    public static async Task InitializeLaterAsync()
    {
        await Task.Yield();
        initializations += 10;
    }

    /// <summary>What the initializers left behind in this worker: (count, process id).</summary>
    [RunInWorkerProcess]
    public static (int Initializations, bool Initialized, int Pid) InitializerState() => (initializations, initializedAt != 0, Environment.ProcessId);

    /// <summary>Kills its worker on the first <paramref name="crashes"/> attempts in a process, then answers.</summary>
    [RunInWorkerProcess(MaxRetries = 2)]
    public static int CrashUnlessRetried(string marker, int crashes)
    {
        // The marker file counts attempts across worker processes.
        var count = File.Exists(marker) ? int.Parse(File.ReadAllText(marker), System.Globalization.CultureInfo.InvariantCulture) : 0;
        File.WriteAllText(marker, (count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (count < crashes)
        {
            Environment.Exit(70 + count);
        }

        return count + 1;
    }

    /// <summary>Throws: a user exception, which retries do not repeat unless asked to.</summary>
    [RunInWorkerProcess(MaxRetries = 3)]
    public static int ThrowWithRetries() => throw new InvalidOperationException("attempt " + Interlocked.Increment(ref attempts));

    /// <summary>Throws on its first two attempts in a worker, with RetryOnException.</summary>
    [RunInWorkerProcess(MaxRetries = 3, RetryOnException = true)]
    public static int ThrowTwiceThenAnswer()
    {
        var attempt = Interlocked.Increment(ref attempts);
        return attempt % 3 != 0 ? throw new InvalidOperationException("attempt " + attempt) : attempt;
    }

    /// <summary>Hangs past its own timeout.</summary>
    [RunInWorkerProcess(TimeoutMilliseconds = 500)]
    public static int HangWithTimeout()
    {
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>Finishes well within its timeout.</summary>
    [RunInWorkerProcess(TimeoutMilliseconds = 5_000)]
    public static int QuickWithTimeout(int x) => x + 1;

    /// <summary>The chaos load's call, retried when its worker is killed.</summary>
    [RunInWorkerProcess(MaxRetries = 10)]
    public static long RetriedSquare(long x, int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return x * x;
    }
}
