using Offload.CompilerServices;

namespace Offload.Parent.Streaming;

/// <summary>
/// What a streaming companion returns: a cold sequence. Each enumeration submits one call, with the companion's
/// token and the enumerator's token both able to cancel it.
/// </summary>
internal sealed class StreamCall<TArguments, TItem> : IAsyncEnumerable<TItem>
    where TArguments : struct, IOffloadArguments
{
    private readonly WorkerPool _pool;
    private readonly MethodDescriptor _method;
    private readonly TArguments _arguments;
    private readonly ProgressReceiver? _progress;
    private readonly CancellationToken _cancellationToken;

    public StreamCall(WorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
    {
        _pool = pool;
        _method = method;
        _arguments = arguments;
        _progress = progress;
        _cancellationToken = cancellationToken;
    }

    public IAsyncEnumerator<TItem> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        CancellationTokenSource? linked = null;
        var token = _cancellationToken;
        if (cancellationToken.CanBeCanceled && cancellationToken != token)
        {
            linked = token.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token, cancellationToken) : null;
            token = linked?.Token ?? cancellationToken;
        }

        return CallIntake.SubmitStream<TArguments, TItem>(_pool, _method, _arguments, _progress, linked, token);
    }
}
