using System.ComponentModel;
using Offload.Protocol;
using Offload.Worker;

namespace Offload.CompilerServices;

/// <summary>
/// Called by the module initializer the generator adds to every assembly with <c>[RunInWorkerProcess]</c> methods, and
/// by its dispatcher. In a NativeAOT app, which runs every module initializer before <c>Main</c>, it turns a process
/// the pool started as a worker into one (it never returns there); in every other process it returns at once, having
/// registered the assembly's MemoryPack formatters.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkerEntryPoint
{
    /// <summary>Runs this process as a worker if the pool started it as one; otherwise does nothing.</summary>
    public static void OnModuleInitializer() => WorkerEntry.RunIfWorker(WorkerEntry.Route.ModuleInitializer);

    /// <summary>
    /// In a NativeAOT app, registers the assembly's MemoryPack formatters (<paramref name="registerFormatters"/>); then
    /// runs this process as a worker if the pool started it as one.
    /// </summary>
    /// <remarks>
    /// NativeAOT needs the registrations (MemoryPack cannot find formatters there by itself) and has set MemoryPack up at
    /// start-up anyway. A CoreCLR app registers them later, when a method's companions are first used (its
    /// <see cref="MethodDescriptor"/>) or its worker loads the assembly: here, before <c>Main</c>, they would cost every
    /// start of the app MemoryPack's set-up, used or not.
    /// </remarks>
    /// <param name="registerFormatters">The generated method that registers the formatters of the assembly's signatures.</param>
    public static void OnModuleInitializer(Action registerFormatters)
    {
        if (NativeAot.IsRunning)
        {
            RegisterFormatters(registerFormatters);
        }

        OnModuleInitializer();
    }

    /// <summary>
    /// Runs <paramref name="registerFormatters"/> now, or, in a worker still setting up its serializer, right after that
    /// set-up (it would otherwise stall the worker's start).
    /// </summary>
    /// <param name="registerFormatters">The generated method that registers the formatters of the assembly's signatures.</param>
    public static void RegisterFormatters(Action registerFormatters)
    {
        ArgumentNullException.ThrowIfNull(registerFormatters);
        SerializerWarmup.Register(registerFormatters);
    }
}
