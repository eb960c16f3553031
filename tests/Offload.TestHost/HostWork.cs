namespace Offload.TestHost;

/// <summary>Work that keeps a worker busy until its parent is killed, or leaves a process of its own running in it.</summary>
public static partial class HostWork
{
    /// <summary>Spins the CPU for <paramref name="milliseconds"/>.</summary>
    [RunInWorkerProcess]
    public static int Spin(int milliseconds)
    {
        var until = Environment.TickCount64 + milliseconds;
        var n = 0;
        while (Environment.TickCount64 < until)
        {
            n++;
        }

        return n;
    }

    /// <summary>
    /// Starts <c>sleep 300</c> in the worker (it inherits the worker's standard output and error) and says which
    /// processes are involved: the worker's pid, then the child's.
    /// </summary>
    [RunInWorkerProcess]
    public static int[] StartSleep()
    {
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        return [Environment.ProcessId, child.Id];
    }
}
