using MemoryPack;

namespace Offload.Runtime.Tests;

/// <summary>A user type that crosses the process boundary.</summary>
[MemoryPackable]
public sealed partial class Shape
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Corners.</summary>
    public List<(int X, int Y)> Corners { get; set; } = [];

    /// <summary>Tags.</summary>
    public Dictionary<string, double> Tags { get; set; } = [];
}

/// <summary>A user enum.</summary>
public enum Color
{
    /// <summary>Red.</summary>
    Red,

    /// <summary>Green.</summary>
    Green,

    /// <summary>Blue.</summary>
    Blue,
}

/// <summary>Every supported shape of parameters and results, run in workers by the tests.</summary>
public static partial class Workloads
{
    private static int counter;
    private static int cancellationsObserved;

    /// <summary>An environment variable as worker code sees it, and as a process it starts sees it (via env).</summary>
    [RunInWorkerProcess]
    public static string?[] EnvironmentVariable(string name)
    {
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("env") { RedirectStandardOutput = true, UseShellExecute = false })!;
        var fromChild = child.StandardOutput.ReadToEnd().Split('\n').FirstOrDefault(line => line.StartsWith(name + "=", StringComparison.Ordinal));
        child.WaitForExit();
        return [Environment.GetEnvironmentVariable(name), fromChild];
    }

    /// <summary>Primitive in, primitive out.</summary>
    [RunInWorkerProcess]
    public static long Add(long a, long b) => a + b;

    /// <summary>Overload of <see cref="Add(long, long)"/>.</summary>
    [RunInWorkerProcess]
    public static string Add(string a, string b) => a + b;

    /// <summary>Strings, arrays, nullable and enums.</summary>
    [RunInWorkerProcess]
    public static string Describe(string? text, int[] numbers, Color color, double? maybe) =>
        $"{text ?? "<null>"}|{string.Join(",", numbers)}|{color}|{maybe?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}";

    /// <summary>Collections and tuples.</summary>
    [RunInWorkerProcess]
    public static Dictionary<string, List<int>> Group(List<(string Key, int Value)> pairs) =>
        pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Select(p => p.Value).ToList());

    /// <summary>A [MemoryPackable] user type in and out.</summary>
    [RunInWorkerProcess]
    public static Shape Scale(Shape shape, int factor) => new()
    {
        Name = shape.Name + "*" + factor,
        Corners = shape.Corners.Select(c => (c.X * factor, c.Y * factor)).ToList(),
        Tags = shape.Tags.ToDictionary(t => t.Key, t => t.Value * factor),
    };

    /// <summary>Bytes in, bytes out.</summary>
    [RunInWorkerProcess]
    public static byte[] Echo(byte[] data) => data;

    /// <summary>Makes a result of <paramref name="length"/> bytes.</summary>
    [RunInWorkerProcess]
    public static byte[] MakeBytes(int length) => new byte[length];

    /// <summary>Returns nothing; the side effect stays in the worker.</summary>
    [RunInWorkerProcess]
    public static void Touch() => counter++;

    /// <summary>Returns <see cref="Task{TResult}"/>.</summary>
    [RunInWorkerProcess]
    public static async Task<int> DelayedSquareAsync(int x)
    {
        await Task.Delay(5);
        return x * x;
    }

    /// <summary>Returns <see cref="Task"/>.</summary>
    [RunInWorkerProcess]
    public static Task PauseAsync(int milliseconds) => Task.Delay(milliseconds);

    /// <summary>Returns <see cref="ValueTask{TResult}"/>.</summary>
    [RunInWorkerProcess]
    public static ValueTask<string> Upper(string text) => ValueTask.FromResult(text.ToUpperInvariant());

    /// <summary>Returns <see cref="ValueTask"/>.</summary>
    [RunInWorkerProcess]
    public static ValueTask Nothing() => ValueTask.CompletedTask;

    /// <summary>No parameters; says which process ran it.</summary>
    [RunInWorkerProcess]
    public static int ProcessId() => Environment.ProcessId;

    /// <summary>Throws, with an inner exception.</summary>
    [RunInWorkerProcess]
    public static int Fail(string message) =>
        throw new InvalidOperationException(message, new ArgumentException("inner cause"));

    /// <summary>Throws from an async method.</summary>
    [RunInWorkerProcess]
    public static async Task FailLaterAsync()
    {
        await Task.Yield();
        throw new FormatException("async failure");
    }

    /// <summary>Throws an exception whose message cannot be read.</summary>
    [RunInWorkerProcess]
    public static int ThrowUnreadable() => throw new UnreadableException();

    /// <summary>Throws an exception with a message of <paramref name="length"/> characters.</summary>
    [RunInWorkerProcess]
    public static int ThrowHuge(int length) => throw new InvalidOperationException(new string('x', length));

    /// <summary>Kills the worker process.</summary>
    [RunInWorkerProcess]
    public static int Crash(int exitCode)
    {
        Console.Error.WriteLine("about to crash on purpose");
        Environment.Exit(exitCode);
        return 0;
    }

    /// <summary>Kills the worker process the hard way.</summary>
    [RunInWorkerProcess]
    public static int FailFast()
    {
        Environment.FailFast("fail fast on purpose");
        return 0;
    }

    /// <summary>Sleeps, observing cancellation.</summary>
    [RunInWorkerProcess]
    public static async Task<int> SleepAsync(int milliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(milliseconds, cancellationToken);
        return milliseconds;
    }

    /// <summary>Blocks the worker without observing cancellation.</summary>
    [RunInWorkerProcess]
    public static int Block(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    /// <summary>
    /// Sets <paramref name="startedMarker"/> once it runs (see <see cref="StartedMarker"/>), then sleeps observing
    /// cancellation, and counts in this worker process each cancellation it sees.
    /// </summary>
    [RunInWorkerProcess]
    public static async Task<int> SignalThenSleepAsync(string startedMarker, int milliseconds, CancellationToken cancellationToken)
    {
        StartedMarker.Set(startedMarker);
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref cancellationsObserved);
            throw;
        }

        return milliseconds;
    }

    /// <summary>How many cancellations <see cref="SignalThenSleepAsync"/> saw in this worker process.</summary>
    [RunInWorkerProcess]
    public static int CancellationsObserved() => Volatile.Read(ref cancellationsObserved);

    /// <summary>
    /// Sets <paramref name="startedMarker"/> once it runs (see <see cref="StartedMarker"/>), then blocks the worker
    /// without observing cancellation.
    /// </summary>
    [RunInWorkerProcess]
    public static int SignalThenBlock(string startedMarker, int milliseconds)
    {
        StartedMarker.Set(startedMarker);
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    /// <summary>Writes to standard output and error.</summary>
    [RunInWorkerProcess]
    public static void Chatter(string text)
    {
        Console.WriteLine("out: " + text);
        Console.Error.WriteLine("err: " + text);
    }

    /// <summary>Counts its calls in this worker process.</summary>
    [RunInWorkerProcess]
    public static int Increment() => Interlocked.Increment(ref counter);
}

/// <summary>An exception whose message getter itself throws, as badly written user exceptions do.</summary>
public sealed class UnreadableException : Exception
{
    /// <inheritdoc />
    public override string Message => throw new NotSupportedException("no message for you");
}
