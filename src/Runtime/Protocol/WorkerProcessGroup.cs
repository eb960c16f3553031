using System.Runtime.InteropServices;

namespace Offload.Protocol;

/// <summary>
/// The contract that lets nothing a worker started outlive it: a worker leads a process group of its own, whose id is
/// its process id (<see cref="TryLead"/>, before any initializer or call runs). Every process its code starts joins that group
/// and stays in it unless it moves itself out (<c>setsid</c>, <c>setpgid</c>: daemons do). So the parent kills the
/// group once the worker is gone (<see cref="Kill"/>), and a worker that ends on its own because its parent died takes
/// the group with it (<see cref="KillOwnGroup"/>). Unix only: on Windows every method does nothing.
/// </summary>
/// <remarks>
/// <para>
/// A process group id is a process id, and could in principle name an unrelated group after the worker's pid was
/// reused. On Linux a pid is not handed out again while any process still uses it as its group id, so as long as one
/// of the worker's descendants is left in the group, the group is the worker's. Only when the group is already empty
/// can the number be reused; the new owner would then have to take the whole range of pids round
/// (<c>/proc/sys/kernel/pid_max</c>) and make itself a group leader in the milliseconds between the worker's death and
/// the parent's signal. That residual risk is accepted; groups 0 and 1 and the caller's own group are never signalled.
/// </para>
/// <para>
/// Leaving the parent's group also means a worker no longer gets the terminal's Ctrl-C (SIGINT) or Ctrl-Z: it ignored
/// SIGINT anyway (the parent decides), and it dies with its parent however the parent ends.
/// </para>
/// </remarks>
internal static partial class WorkerProcessGroup
{
    private const int SigKill = 9;

    /// <summary>
    /// Worker side: makes this process the leader of a new process group, which the processes it starts join. False
    /// (with the error number) when that failed, or on Windows.
    /// </summary>
    public static bool TryLead(out int error)
    {
        error = 0;
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        if (SetProcessGroup(0, 0) == 0)
        {
            return true;
        }

        error = Marshal.GetLastPInvokeError();
        return false;
    }

    /// <summary>
    /// Worker side: kills this process's group with SIGKILL, this process included, if it leads one (see
    /// <see cref="TryLead"/>); does nothing and returns otherwise, so that a worker which could not start a group of
    /// its own never signals its parent's.
    /// </summary>
    public static void KillOwnGroup()
    {
        if (!OperatingSystem.IsWindows() && GetProcessGroup() == Environment.ProcessId)
        {
            _ = SendSignal(0, SigKill);
        }
    }

    /// <summary>
    /// Parent side: kills the process group that the worker with process id <paramref name="workerProcessId"/> leads,
    /// with SIGKILL: whatever its code started and left in the group. Call it only for a worker that is dead or being
    /// killed (see the remarks on pid reuse). Nothing happens when no such group exists any more.
    /// </summary>
    public static void Kill(int workerProcessId)
    {
        if (OperatingSystem.IsWindows() || workerProcessId <= 1 || workerProcessId == Environment.ProcessId || workerProcessId == GetProcessGroup())
        {
            return;
        }

        // ESRCH (no process left in the group) is the usual answer and means there is nothing to do.
        _ = SendSignal(-workerProcessId, SigKill);
    }

    [LibraryImport("libc", EntryPoint = "setpgid", SetLastError = true)]
    private static partial int SetProcessGroup(int processId, int processGroupId);

    [LibraryImport("libc", EntryPoint = "getpgrp")]
    private static partial int GetProcessGroup();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int processId, int signal);
}
