using MemoryPack;
using Offload.CompilerServices;
using Offload.Protocol;

namespace Offload.Worker;

/// <summary>
/// Runs one item of a chunk and writes its result. Implemented by structs, so that <see cref="BatchExecution.Run"/>
/// is compiled once per method and result type and the loop calls the method's delegate directly.
/// </summary>
internal interface IItemRunner<TArguments>
    where TArguments : struct, IOffloadArguments
{
    /// <summary>A guess at one result's encoded size.</summary>
    int ResultSizeHint { get; }

    /// <summary>Runs the method for <paramref name="arguments"/> and writes its result, if it has one.</summary>
    void RunAndWrite(in TArguments arguments, CancellationToken cancellationToken, ref MemoryPackWriter<FrameBuffer> writer);
}

/// <summary>An item of a method that returns a value.</summary>
internal readonly struct ValueItemRunner<TArguments, TResult>(Func<TArguments, CancellationToken, TResult> run) : IItemRunner<TArguments>
    where TArguments : struct, IOffloadArguments
{
    public int ResultSizeHint => BatchExecution.ResultSizeHint<TResult>();

    public void RunAndWrite(in TArguments arguments, CancellationToken cancellationToken, ref MemoryPackWriter<FrameBuffer> writer) =>
        BatchExecution.WriteResult(ref writer, run(arguments, cancellationToken));
}

/// <summary>An item of a method with no result.</summary>
internal readonly struct VoidItemRunner<TArguments>(Action<TArguments, CancellationToken> run) : IItemRunner<TArguments>
    where TArguments : struct, IOffloadArguments
{
    public int ResultSizeHint => 0;

    public void RunAndWrite(in TArguments arguments, CancellationToken cancellationToken, ref MemoryPackWriter<FrameBuffer> writer) =>
        run(arguments, cancellationToken);
}
