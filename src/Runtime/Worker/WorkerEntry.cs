using Offload.Protocol;

namespace Offload.Worker;

/// <summary>
/// Turns a start of the application into a worker before the application's own <c>Main</c> runs. A worker is the
/// application's own executable started again with <see cref="WorkerArguments.Marker"/> first on its command line; it
/// gets here from the startup hook (<see cref="global::StartupHook"/>, every app that runs on CoreCLR) or from the
/// module initializer the generator adds to each assembly with <c>[RunInWorkerProcess]</c> methods (NativeAOT apps,
/// which run every module initializer at start-up and have no startup hooks). Either way the worker then runs until
/// the pool lets it go and exits the process: <c>Main</c> never runs in a worker.
/// </summary>
internal static class WorkerEntry
{
    private static int entered;

    /// <summary>How this process became a worker.</summary>
    internal enum Route
    {
        StartupHook,
        ModuleInitializer,
    }

    /// <summary>True once this process runs as a worker (its other entries then do nothing).</summary>
    internal static bool IsWorker => Volatile.Read(ref entered) != 0;

    /// <summary>
    /// Runs this process as a worker if its command line says it is one, and then exits the process; returns at once
    /// (having done nothing) otherwise.
    /// </summary>
    internal static void RunIfWorker(Route route)
    {
        var commandLine = Environment.GetCommandLineArgs();
        if (commandLine.Length < 2 || commandLine[1] != WorkerArguments.Marker || IsWorker)
        {
            return;
        }

        if (route == Route.ModuleInitializer && !NativeAot.IsRunning)
        {
            // CoreCLR: workers enter through the startup hook. Getting here means it did not run (startup hooks are
            // turned off in this app), and a module initializer cannot host a worker on CoreCLR (other threads would
            // wait on it forever). Exit before the application's Main can run as if it had been started by a user.
            Console.Error.WriteLine(
                "Offload worker: this process was started as an Offload worker, but Offload's startup hook did not run " +
                "(System.StartupHookProvider.IsSupported is false, e.g. <StartupHookSupport>false</StartupHookSupport>). " +
                "Workers of apps that run on CoreCLR need startup hooks.");
            Environment.Exit(WorkerExitCodes.NoStartupHook);
        }

        if (Interlocked.Exchange(ref entered, 1) != 0)
        {
            return;
        }

        // First, before any initializer or call runs: processes the worker's code starts join this group, which goes
        // with the worker. (An app's own startup hooks, listed before Offload's, have run already.)
        if (!WorkerProcessGroup.TryLead(out var error) && !OperatingSystem.IsWindows())
        {
            Console.Error.WriteLine($"Offload worker: could not start a process group of its own (errno {error}); processes its code starts may outlive it.");
        }

        StartupHookVariable.RemoveOffload();
        int exitCode;
        try
        {
            exitCode = WorkerHost.RunAsync(commandLine[1..]).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"Offload worker failed: {ex}");
            exitCode = WorkerExitCodes.Failed;
        }

        if (ParentWatchdog.ParentGone)
        {
            // The parent died while this worker finished its last calls: nobody will kill what they started.
            WorkerProcessGroup.KillOwnGroup();
        }

        Environment.Exit(exitCode);
    }
}
