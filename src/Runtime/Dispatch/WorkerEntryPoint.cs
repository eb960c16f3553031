using System.ComponentModel;
using Offload.Workers;

namespace Offload.Dispatch;

/// <summary>
/// Called by the module initializer the generator adds to every assembly with <c>[RunInWorkerProcess]</c> methods.
/// In a NativeAOT app, which runs every module initializer before <c>Main</c>, it turns a process the pool started as
/// a worker into one (it never returns there); in every other process it returns at once.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkerEntryPoint
{
    /// <summary>Runs this process as a worker if the pool started it as one; otherwise does nothing.</summary>
    public static void OnModuleInitializer() => WorkerEntry.RunIfWorker(WorkerEntry.Route.ModuleInitializer);
}
