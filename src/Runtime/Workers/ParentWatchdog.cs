namespace Offload.Workers;

/// <summary>
/// Ends the worker when its parent goes away, however it goes (exit, crash, SIGKILL): the parent holds the only write
/// end of the worker's standard input, so the operating system closes it when the parent dies and a blocking read
/// here returns end-of-file. This needs no polling and no platform-specific parent-death signal.
/// </summary>
internal static class ParentWatchdog
{
    public static void Start(Stream standardInput, WorkerSession session)
    {
        var thread = new Thread(() => Watch(standardInput, session))
        {
            IsBackground = true,
            Name = "Offload parent watchdog",
        };
        thread.Start();
    }

    private static void Watch(Stream standardInput, WorkerSession session)
    {
        var buffer = new byte[64];
        try
        {
            while (standardInput.Read(buffer, 0, buffer.Length) > 0)
            {
                // The parent never writes again after the secret; anything else is ignored.
            }
        }
        catch (IOException)
        {
            // A broken pipe means the same as end-of-file.
        }

        if (!session.IsShuttingDownGracefully)
        {
            WorkerHost.ExitNow();
        }
    }
}
