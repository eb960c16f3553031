using System.Runtime.InteropServices;

namespace Offload.Runtime.Tests;

/// <summary>Methods that break their worker in every way the fault tests need.</summary>
public static partial class FaultWorkloads
{
    private static int calls;

    /// <summary>Recurses until the stack overflows, which no .NET code can catch.</summary>
    [RunInWorkerProcess]
    public static int OverflowStack(int depth) => depth < 0 ? 0 : OverflowStack(depth + 1) + 1;

    /// <summary>Asks for more memory than the worker's heap limit allows.</summary>
    [RunInWorkerProcess]
    public static int AllocateMegabytes(int megabytes)
    {
        var chunks = new List<byte[]>();
        for (var i = 0; i < megabytes; i++)
        {
            var chunk = new byte[1024 * 1024];
            chunk[^1] = 1;
            chunks.Add(chunk);
        }

        return chunks.Count;
    }

    /// <summary>Keeps <paramref name="megabytes"/> alive for the rest of the worker's life: a leak.</summary>
    [RunInWorkerProcess]
    public static int Leak(int megabytes)
    {
        var chunk = new byte[megabytes * 1024 * 1024];
        Array.Fill(chunk, (byte)1);
        Leaked.Add(chunk);
        return Environment.ProcessId;
    }

    /// <summary>Reads address 1 in native code: a segmentation fault the runtime cannot turn into an exception.</summary>
    [RunInWorkerProcess]
    public static int CrashNatively()
    {
        Console.Error.WriteLine("about to read address 1 in native code");
        return (int)strlen(1);
    }

    /// <summary>Never returns and never looks at a cancellation token: a hung worker.</summary>
    [RunInWorkerProcess]
    public static int Hang()
    {
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>
    /// Sets <paramref name="startedMarker"/> (see <see cref="StartedMarker"/>), sleeps, then says which process ran it:
    /// for calls that must be running when a worker is killed.
    /// </summary>
    [RunInWorkerProcess]
    public static int SleepThenPid(string startedMarker, int milliseconds)
    {
        StartedMarker.Set(startedMarker);
        Thread.Sleep(milliseconds);
        return Environment.ProcessId;
    }

    /// <summary>Returns its input after a short pause; the ordinary call of the load tests.</summary>
    [RunInWorkerProcess]
    public static long Square(long x, int milliseconds)
    {
        if (milliseconds > 0)
        {
            Thread.Sleep(milliseconds);
        }

        return x * x;
    }

    /// <summary>Counts calls in this worker and says which process ran it.</summary>
    [RunInWorkerProcess]
    public static (int Pid, int Calls) CountCalls() => (Environment.ProcessId, Interlocked.Increment(ref calls));

    /// <summary>
    /// Throws an <see cref="AggregateException"/> of <paramref name="count"/> inner exceptions, each thrown (so it has a
    /// stack trace) with a message of <paramref name="messageLength"/> characters after its index.
    /// </summary>
    [RunInWorkerProcess]
    public static int ThrowMany(int count, int messageLength)
    {
        var inner = new List<Exception>(count);
        for (var i = 0; i < count; i++)
        {
            try
            {
                throw new InvalidOperationException($"inner {i} " + new string('y', messageLength));
            }
            catch (InvalidOperationException ex)
            {
                inner.Add(ex);
            }
        }

        throw new AggregateException("many failures", inner);
    }

    private static List<byte[]> Leaked { get; } = [];

    [DllImport("libc", EntryPoint = "strlen")]
    private static extern nuint strlen(nint text);
}
