using System.Runtime.ExceptionServices;
using Offload.CompilerServices;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>
/// One run of a map. A producer task reads the input lazily, only when a chunk may be sent (at most
/// <see cref="MapOptions.MaxChunksInFlight"/> chunks are sent and not yet consumed), encodes each chunk straight into
/// its call frame and submits it to the pool as an ordinary call. The consumer takes chunks back in input order or as
/// they complete, reads their results, and gives each chunk's slot back once it is done with it: memory stays bounded
/// however long the input, and an input that never ends is read only a few chunks ahead of the consumer.
/// </summary>
/// <remarks>
/// Failures surface in input order: a chunk's failure after every earlier chunk (ordered) or after every chunk that
/// completed before it (unordered), and a failure of the input after every chunk sent before it. Disposing the runner
/// (a consumer that stops early, or an error) cancels the chunks still out; the pool drops queued ones and tells the
/// workers to stop running ones.
/// </remarks>
internal sealed class MapRunner<TItem, TArguments, TResult> : IBatchCallOwner<TResult>, IAsyncDisposable
    where TArguments : struct, IOffloadArguments
{
    private readonly MapRequest<TItem, TArguments> _request;
    private readonly bool _ordered;
    private readonly bool _readResults;
    private readonly CancellationToken _enumeratorToken;
    private readonly CancellationTokenSource _stop;
    private readonly SemaphoreSlim _window;
    private readonly SemaphoreSlim _changed = new(0);
    private readonly ChunkSizer _sizer;
    private readonly ChunkEncoder<TArguments> _encoder;
    private readonly Lock _lock = new();

    // Ordered: every chunk sent and not yet taken, in input order. Unordered: the settled chunks not yet taken, in the
    // order they settled.
    private readonly Queue<PendingBatchCall<TResult>> _chunks = new();
    private int _pending;
    private bool _producerDone;
    private Exception? _producerError;
    private Task? _producer;
    private long _nextIndex;
    private Exception? _deferredError;
    private bool _disposed;

    public MapRunner(MapRequest<TItem, TArguments> request, bool ordered, bool readResults, CancellationToken enumeratorToken)
    {
        _request = request;
        _ordered = ordered;
        _readResults = readResults;
        _enumeratorToken = enumeratorToken;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(request.CancellationToken, enumeratorToken);

        var pool = request.Pool;
        var options = request.Options;
        var maxFrameBytes = pool.Options.MaxFrameBytes;
        _window = new SemaphoreSlim(options.MaxChunksInFlight ?? (pool.WorkerCount * ((pool.Options.Prefetch ?? 1) + 2)));

        // A method's timeout applies to a whole chunk, so automatic chunks aim well below it.
        var target = options.TargetChunkDuration;
        if ((request.Method.Timeout ?? pool.Options.CallTimeout) is { } timeout && timeout / 10 < target)
        {
            target = timeout / 10;
        }

        _sizer = new ChunkSizer(options.ChunkSize, target, maxFrameBytes);
        var automatic = options.ChunkSize is null;
        _encoder = new ChunkEncoder<TArguments>(
            request.Method,
            pool.Metrics,
            maxFrameBytes,
            softBytes: automatic ? ChunkSizer.ByteBudget(maxFrameBytes) : long.MaxValue,
            maxFill: automatic ? target : TimeSpan.Zero,
            pool.SharedArena);
    }

    /// <summary>
    /// The next chunk to consume (in input order, or as chunks complete), with its results; null once every item was
    /// consumed. Throws the failure that ends the map: a chunk's (as <see cref="MapItemException"/> when one item threw,
    /// on the call after the one that returned the chunk's results before that item), the input's, or an
    /// <see cref="OperationCanceledException"/>. Give the chunk back with <see cref="Release"/>.
    /// </summary>
    public async ValueTask<PendingBatchCall<TResult>?> NextChunkAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_deferredError is { } deferred)
        {
            // The previous chunk stopped at an item that threw; its results before that item have been consumed.
            ExceptionDispatchInfo.Throw(deferred);
        }

        ThrowIfCallerCanceled();
        _producer ??= Task.Run(ProduceAsync);
        while (true)
        {
            PendingBatchCall<TResult>? chunk = null;
            var finished = false;
            Exception? producerError = null;
            lock (_lock)
            {
                if (_chunks.TryPeek(out var next) && next.IsSettled)
                {
                    chunk = _chunks.Dequeue();
                    _pending--;
                }
                else if (_pending == 0 && _producerDone)
                {
                    finished = true;
                    producerError = _producerError;
                }
            }

            if (chunk is not null)
            {
                if (chunk.Error is { } error)
                {
                    var failure = Describe(chunk, error);
                    if (chunk.ResultCount == 0)
                    {
                        ExceptionDispatchInfo.Throw(failure);
                    }

                    // The items before the one that threw still count: hand them out first, fail on the next call.
                    _deferredError = failure;
                }

                return chunk;
            }

            if (finished)
            {
                if (producerError is not null)
                {
                    ExceptionDispatchInfo.Throw(producerError);
                }

                return null;
            }

            try
            {
                await _changed.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                ThrowIfCallerCanceled();
                throw;
            }
        }
    }

    /// <summary>The consumer is done with <paramref name="chunk"/>: its results go back to the pool and another chunk may be sent.</summary>
    public void Release(PendingBatchCall<TResult> chunk)
    {
        chunk.ReturnResults();
        _window.Release();
    }

    /// <inheritdoc />
    public void OnChunkSettled(PendingBatchCall<TResult> chunk)
    {
        if (chunk.Error is null)
        {
            _sizer.OnCompleted(chunk.Count, chunk.WorkerNanoseconds, chunk.ResultBytes);
        }

        if (!_ordered)
        {
            lock (_lock)
            {
                _chunks.Enqueue(chunk);
            }
        }

        _changed.Release();
    }

    /// <summary>Stops the map: cancels the chunks still out, waits for the producer to let go of the input, returns held results.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Cancel();
        if (_producer is { } producer)
        {
            // It never faults (it keeps its failure for the consumer), and it disposes the input's enumerator on its
            // way out: once this returns, the input is not read any more.
            await producer.ConfigureAwait(false);
        }

        lock (_lock)
        {
            while (_chunks.TryDequeue(out var chunk))
            {
                chunk.ReturnResults();
            }
        }

        _stop.Dispose();
    }

    private void ThrowIfCallerCanceled()
    {
        _request.CancellationToken.ThrowIfCancellationRequested();
        _enumeratorToken.ThrowIfCancellationRequested();
    }

    /// <summary>The exception a failed chunk ends the map with.</summary>
    private Exception Describe(PendingBatchCall<TResult> chunk, Exception error)
    {
        if (error is OperationCanceledException)
        {
            // Canceled because the caller canceled: say so with the caller's token.
            ThrowIfCallerCanceled();
            return error;
        }

        if (chunk.FailedItem >= 0 && chunk.ItemError is { } remote)
        {
            var index = chunk.FirstIndex + chunk.FailedItem;
            return new MapItemException(
                string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"Item {index} of the map over {_request.Method.DisplayName} threw {remote.TypeName} in worker {chunk.ItemWorkerId}: {remote.Message}"),
                error)
            {
                Index = index,
                MethodName = _request.Method.DisplayName,
                WorkerId = chunk.ItemWorkerId,
            };
        }

        return error;
    }

    private async Task ProduceAsync()
    {
        var token = _stop.Token;
        Exception? error = null;
        try
        {
            error = _request.Source is { } source
                ? await ProduceAsync(source, token).ConfigureAwait(false)
                : await ProduceAsync(_request.AsyncSource!, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: by the caller (the consumer reports it) or by disposal (nobody is listening).
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            _encoder.Abandon();
        }

        lock (_lock)
        {
            _producerError = error;
            _producerDone = true;
        }

        _changed.Release();
    }

    /// <summary>Reads a synchronous input; returns the failure that stops the map early, if any.</summary>
    private async Task<Exception?> ProduceAsync(IEnumerable<TItem> source, CancellationToken token)
    {
        using var items = source.GetEnumerator();
        while (true)
        {
            // The input is read only once a chunk may be sent: this is what bounds the map's memory.
            await _window.WaitAsync(token).ConfigureAwait(false);
            var size = _sizer.NextSize();
            _encoder.Start(_nextIndex, _sizer.ExpectedArgumentBytes(size));
            var outcome = _encoder.Fill(items, _request.ToArguments, size, out var error);
            Send();
            if (outcome != ChunkEncoder<TArguments>.Outcome.Full)
            {
                return error;
            }
        }
    }

    /// <summary>
    /// Reads an asynchronous input. A chunk is sent when it is full, and also as soon as the input has no item ready:
    /// items that are ready never wait for a slow input to fill their chunk.
    /// </summary>
    private async Task<Exception?> ProduceAsync(IAsyncEnumerable<TItem> source, CancellationToken token)
    {
        var items = source.GetAsyncEnumerator(token);
        await using (items.ConfigureAwait(false))
        {
            var size = 0;
            while (true)
            {
                bool more;
                try
                {
                    var move = items.MoveNextAsync();
                    if (!move.IsCompleted && _encoder.IsStarted && _encoder.Count > 0)
                    {
                        Send();
                    }

                    more = await move.ConfigureAwait(false);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && token.IsCancellationRequested))
                {
                    // The input threw: what was read before it still runs.
                    return await SendRestAsync(token).ConfigureAwait(false) ?? ex;
                }

                if (!more)
                {
                    return await SendRestAsync(token).ConfigureAwait(false);
                }

                if (!_encoder.IsStarted)
                {
                    await _window.WaitAsync(token).ConfigureAwait(false);
                    size = _sizer.NextSize();
                    _encoder.Start(_nextIndex, _sizer.ExpectedArgumentBytes(size));
                }

                var outcome = _encoder.Add(_request.ToArguments(items.Current), out var error);
                if (outcome == ChunkEncoder<TArguments>.Outcome.Failed)
                {
                    Send();
                    return error;
                }

                if (outcome == ChunkEncoder<TArguments>.Outcome.Full || _encoder.Count >= size)
                {
                    Send();
                }
            }
        }
    }

    /// <summary>At the end of an asynchronous input: sends the chunk being filled and the item still waiting, if any.</summary>
    private async Task<Exception?> SendRestAsync(CancellationToken token)
    {
        SendIfStarted();
        if (!_encoder.HasCarry)
        {
            return null;
        }

        await _window.WaitAsync(token).ConfigureAwait(false);
        _encoder.Start(_nextIndex, 0);
        _encoder.AddCarry(out var error);
        Send();
        return error;
    }

    private void SendIfStarted()
    {
        if (_encoder.IsStarted)
        {
            Send();
        }
    }

    /// <summary>Ends the chunk being filled and submits it; an empty chunk is dropped and gives its slot back.</summary>
    private void Send()
    {
        var frame = _encoder.Finish(out var count, out var itemBytes, out var flags, out var telemetry);
        if (frame is null)
        {
            _window.Release();
            return;
        }

        _sizer.OnEncoded(count, itemBytes);
        var pool = _request.Pool;
        var callId = pool.NextCallId();
        frame.Seal(FrameKind.Call, callId, flags);
        telemetry?.SetChunk(_nextIndex, count);
        var chunk = new PendingBatchCall<TResult>(_request.Method, frame, callId, _nextIndex, count, _readResults, this, pool) { Telemetry = telemetry };
        _nextIndex += count;
        lock (_lock)
        {
            _pending++;
            if (_ordered)
            {
                _chunks.Enqueue(chunk);
            }
        }

        pool.Submit(chunk, _stop.Token);
    }
}
