using System.Diagnostics;
using System.Globalization;

namespace Offload.Runtime.Tests;

/// <summary>
/// Methods that start processes of their own in the worker (a <c>sleep 300</c> that inherits the worker's standard
/// output and error, as a child started with <see cref="Process.Start(ProcessStartInfo)"/> does by default), to check
/// that nothing a worker started outlives it.
/// </summary>
public static partial class ChildProcessWorkloads
{
    /// <summary>Starts <c>sleep 300</c> and says which processes are involved: (the worker, the child).</summary>
    [RunInWorkerProcess]
    public static (int WorkerPid, int ChildPid) StartSleep() => (Environment.ProcessId, StartSleepChild());

    /// <summary>
    /// On its first attempt (no file at <paramref name="marker"/>): writes a line to standard error, starts a child that
    /// holds the worker's standard output and error open (when <paramref name="leaveChild"/>), writes the child's pid
    /// (0 without one) into <paramref name="marker"/>, and dies: <c>Environment.Exit(3)</c>, or a SIGKILL of itself when
    /// <paramref name="kill"/>. On any later attempt: answers with its worker's pid.
    /// </summary>
    [RunInWorkerProcess(MaxRetries = 1)]
    public static int DieOnceWithRetry(string marker, bool leaveChild, bool kill) => DieOnce(marker, leaveChild, kill);

    /// <summary><see cref="DieOnceWithRetry"/> without retries: the death is the answer.</summary>
    [RunInWorkerProcess]
    public static int DieOnceWithoutRetry(string marker, bool leaveChild, bool kill) => DieOnce(marker, leaveChild, kill);

    private static int DieOnce(string marker, bool leaveChild, bool kill)
    {
        if (File.Exists(marker))
        {
            return Environment.ProcessId;
        }

        Console.Error.WriteLine("about to die, leaving a child behind");
        Console.Error.Flush();
        var child = leaveChild ? StartSleepChild() : 0;
        var aside = marker + ".tmp";
        File.WriteAllText(aside, child.ToString(CultureInfo.InvariantCulture));
        File.Move(aside, marker);
        if (kill)
        {
            Process.GetCurrentProcess().Kill();
        }

        Environment.Exit(3);
        return 0;
    }

    private static int StartSleepChild()
    {
        // Nothing redirected: the child inherits the worker's standard output and error, which the parent reads.
        using var child = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        return child.Id;
    }
}
