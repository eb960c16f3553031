using Offload.CompilerServices;
using System.Buffers;
using Offload.Protocol;
using Offload.Transport.SharedMemory;

namespace Offload.Worker;

/// <summary>What a <see cref="WorkItem"/> asks the worker's executor to do.</summary>
internal enum WorkKind
{
    /// <summary>Run a call.</summary>
    Call,

    /// <summary>Run newly loaded assemblies' <c>[WorkerInitializer]</c> methods.</summary>
    Initialize,

    /// <summary>Answer a ping, after everything queued before it.</summary>
    Pong,
}

/// <summary>One item of a <see cref="WorkerSession"/>'s queue, run by its executor in arrival order.</summary>
internal readonly record struct WorkItem(WorkKind Kind, long CallId)
{
    /// <summary>The call to run (<see cref="WorkKind.Call"/>).</summary>
    public Invocation? Invocation { get; init; }

    /// <summary>The call's arguments, rented from the array pool; returned once the call ran.</summary>
    public byte[]? Arguments { get; init; }

    /// <summary>The call's arguments where they lie in the parent's shared memory; released once the call ran.</summary>
    public SharedBodyLease? SharedArguments { get; init; }

    /// <summary>The caller's trace context, when the call carried one (<see cref="CallTrace"/>).</summary>
    public TraceContextBlock? Trace { get; init; }

    /// <summary>The dispatchers whose initializers to run (<see cref="WorkKind.Initialize"/>).</summary>
    public IReadOnlyList<IOffloadDispatcher>? Dispatchers { get; init; }

    /// <summary>Gives the call's arguments back: the rented array to its pool, the parent's region to the parent.</summary>
    public void ReleaseArguments()
    {
        if (Arguments is { } arguments)
        {
            ArrayPool<byte>.Shared.Return(arguments);
        }

        SharedArguments?.Dispose();
    }
}
