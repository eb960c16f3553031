using Offload.CompilerServices;

namespace Offload.Parent;

/// <summary>
/// The <see cref="IAsyncEnumerable{T}"/> a generated <c>MapUnorderedAsync</c> returns: every enumeration runs the map
/// anew and yields each chunk's results, with their input positions, as soon as the chunk completes.
/// </summary>
internal sealed class UnorderedMap<TItem, TArguments, TResult>(MapRequest<TItem, TArguments> request) : IAsyncEnumerable<MapResult<TResult>>
    where TArguments : struct, IOffloadArguments
{
    public IAsyncEnumerator<MapResult<TResult>> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        new Enumerator(request.Start<TResult>(ordered: false, readResults: true, cancellationToken), request.CancellationToken, cancellationToken);

    /// <summary>
    /// Yields a chunk's results straight from its array: within a chunk, <see cref="MoveNextAsync"/> completes
    /// synchronously without allocating; only moving to the next chunk may wait.
    /// </summary>
    private sealed class Enumerator(MapRunner<TItem, TArguments, TResult> runner, CancellationToken callToken, CancellationToken enumeratorToken) : IAsyncEnumerator<MapResult<TResult>>
    {
        private PendingBatchCall<TResult>? _chunk;
        private TResult[]? _results;
        private long _firstIndex;
        private int _index;
        private int _count;

        public MapResult<TResult> Current { get; private set; }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public ValueTask<bool> MoveNextAsync()
        {
            if (++_index < _count && !callToken.IsCancellationRequested && !enumeratorToken.IsCancellationRequested)
            {
                Current = new MapResult<TResult>(_firstIndex + _index, _results![_index]);
                return new ValueTask<bool>(true);
            }

            return MoveToNextChunkAsync();
        }

        public async ValueTask DisposeAsync()
        {
            ReleaseChunk();
            Current = default;
            await runner.DisposeAsync().ConfigureAwait(false);
        }

        private async ValueTask<bool> MoveToNextChunkAsync()
        {
            ReleaseChunk();
            var chunk = await runner.NextChunkAsync().ConfigureAwait(false);
            if (chunk is null)
            {
                Current = default;
                return false;
            }

            _chunk = chunk;
            _results = chunk.Results!;
            _count = chunk.ResultCount;
            _firstIndex = chunk.FirstIndex;
            _index = 0;
            Current = new MapResult<TResult>(chunk.FirstIndex, _results[0]);
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
