using Offload.Worker;

#pragma warning disable CA1050 // The runtime looks for a type named StartupHook in no namespace.

/// <summary>
/// Offload's startup hook: the runtime runs it before <c>Main</c> in a process started with
/// <c>DOTNET_STARTUP_HOOKS</c> naming Offload, which the pool sets only for its workers. In a worker it never returns
/// (see <see cref="WorkerEntry"/>); in any other process it does nothing.
/// </summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime's startup hook provider.</summary>
    public static void Initialize() => WorkerEntry.RunIfWorker(WorkerEntry.Route.StartupHook);
}
