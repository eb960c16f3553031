using Offload.CompilerServices;

namespace Offload.Parent;

/// <summary>
/// The <see cref="IAsyncEnumerable{T}"/> a generated <c>MapAsync</c> returns: every enumeration runs the map anew and
/// yields the results in input order.
/// </summary>
internal sealed class OrderedMap<TItem, TArguments, TResult>(MapRequest<TItem, TArguments> request) : IAsyncEnumerable<TResult>
    where TArguments : struct, IOffloadArguments
{
    public IAsyncEnumerator<TResult> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        new Enumerator(request.Start<TResult>(ordered: true, readResults: true, cancellationToken), request.CancellationToken, cancellationToken);

    /// <summary>
    /// Yields a chunk's results straight from its array: within a chunk, <see cref="MoveNextAsync"/> completes
    /// synchronously without allocating; only moving to the next chunk may wait.
    /// </summary>
    private sealed class Enumerator(MapRunner<TItem, TArguments, TResult> runner, CancellationToken callToken, CancellationToken enumeratorToken) : IAsyncEnumerator<TResult>
    {
        private PendingBatchCall<TResult>? _chunk;
        private TResult[]? _results;
        private int _index;
        private int _count;

        public TResult Current { get; private set; } = default!;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public ValueTask<bool> MoveNextAsync()
        {
            if (++_index < _count && !callToken.IsCancellationRequested && !enumeratorToken.IsCancellationRequested)
            {
                Current = _results![_index];
                return new ValueTask<bool>(true);
            }

            return MoveToNextChunkAsync();
        }

        public async ValueTask DisposeAsync()
        {
            ReleaseChunk();
            Current = default!;
            await runner.DisposeAsync().ConfigureAwait(false);
        }

        private async ValueTask<bool> MoveToNextChunkAsync()
        {
            ReleaseChunk();
            var chunk = await runner.NextChunkAsync().ConfigureAwait(false);
            if (chunk is null)
            {
                Current = default!;
                return false;
            }

            _chunk = chunk;
            _results = chunk.Results!;
            _count = chunk.ResultCount;
            _index = 0;
            Current = _results[0];
            return true;
        }

        private void ReleaseChunk()
        {
            if (_chunk is { } chunk)
            {
                _chunk = null;
                _results = null;
                _count = 0;
                runner.Release(chunk);
            }
        }
    }
}
