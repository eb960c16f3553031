using Offload.CompilerServices;

namespace Offload.Parent.Streaming;

/// <summary>A call of a method that returns <see cref="IAsyncEnumerable{T}"/>: enumerating it runs the call.</summary>
internal sealed class StreamCall<TArguments, TItem> : IAsyncEnumerable<TItem>
    where TArguments : struct, IOffloadArguments
{
    public StreamCall(WorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
    {
    }

    public IAsyncEnumerator<TItem> GetAsyncEnumerator(CancellationToken cancellationToken = default) => throw new NotImplementedException("streaming: next commit");
}
