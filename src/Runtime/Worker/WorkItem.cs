using Offload.CompilerServices;
using System.Buffers;
using Offload.Protocol;
using Offload.Transport;
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

    /// <summary>
    /// The arguments of a call frame being read, for the executor: the body lives in the pipe's buffer only while the
    /// frame is handled, so they are copied into a rented array, unless they lie in the parent's shared memory, where
    /// the executor reads them (the region stays the parent's, unused, until they are released).
    /// </summary>
    public static (byte[]? Array, SharedBodyLease? Shared, ReadOnlyMemory<byte> Bytes) TakeArguments(FrameChannel? channel, in ReadOnlySequence<byte> body, int offset)
    {
        if (channel?.KeepSharedBody() is { } shared)
        {
            // A shared body is one segment: the region.
            return (null, shared, body.First[offset..]);
        }

        var length = (int)body.Length - offset;
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        body.Slice(offset).CopyTo(array);
        return (array, null, array.AsMemory(0, length));
    }

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
