namespace Offload.TestHost;

/// <summary>Work that keeps a worker busy until its parent is killed.</summary>
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
}
