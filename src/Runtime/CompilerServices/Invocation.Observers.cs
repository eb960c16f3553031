using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Protocol;
using Offload.Transport;
using Offload.Worker;

namespace Offload.CompilerServices;

/// <summary>What a call's method gets besides its arguments: progress, loggers and the way to stream its items back.</summary>
public sealed partial class Invocation
{
    private Action? _closeProgress;
    private SemaphoreSlim? _streamCredits;

    /// <summary>The worker's channel, for frames sent while the call runs (progress, stream items); set by the session.</summary>
    internal FrameChannel? Channel { get; init; }

    /// <summary>Items of a streamed result sent beyond what the caller took (<see cref="WorkerPoolOptions.StreamWindow"/>).</summary>
    internal int StreamWindow { get; init; } = ProtocolConstants.DefaultStreamWindow;

    /// <summary>
    /// The proxy bound to the method's <see cref="IProgress{T}"/> parameter: each report goes to the caller's
    /// <see cref="IProgress{T}"/>, in order; reports made faster than the channel sends them are coalesced.
    /// </summary>
    /// <typeparam name="T">The type of the reports.</typeparam>
    public IProgress<T> GetProgress<T>()
    {
        if (Channel is null)
        {
            // No channel: a call run outside a worker session (tests); reports go nowhere.
            return new Progress<T>();
        }

        var sender = new ProgressSender<T>(Channel, CallId, _maxFrameBytes);
        _closeProgress = sender.Close;
        return sender;
    }

    /// <summary>The logger bound to the method's <see cref="ILogger"/> parameter; what it logs reaches the pool's logger factory.</summary>
    /// <param name="categoryName">The logger's category: the full name of the method's containing type.</param>
    public ILogger GetLogger(string categoryName) => OffloadWorker.LoggerFactory.CreateLogger(categoryName);

    /// <summary>The logger bound to the method's <see cref="ILogger{TCategoryName}"/> parameter.</summary>
    /// <typeparam name="TCategory">The type whose full name is the logger's category.</typeparam>
    public ILogger<TCategory> GetLogger<TCategory>() =>
        OffloadWorker.IsWorker ? new Logger<TCategory>(OffloadWorker.LoggerFactory) : NullLogger<TCategory>.Instance;

    /// <summary>
    /// Streams <paramref name="items"/> back to the caller as the method yields them, at most a window of items ahead
    /// of what the caller has taken, then answers that the stream ended. An exception from the enumeration fails the
    /// call after the items sent so far; the caller's cancellation (or its leaving the loop early) stops it.
    /// </summary>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <param name="items">The method's result.</param>
    public async ValueTask ReturnStream<T>(IAsyncEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var token = CancellationToken;
        var credits = new SemaphoreSlim(StreamWindow);
        Volatile.Write(ref _streamCredits, credits);
        try
        {
            await foreach (var item in items.WithCancellation(token).ConfigureAwait(false))
            {
                // Waits while the caller is a whole window behind: a slow consumer stops a fast producer here.
                await credits.WaitAsync(token).ConfigureAwait(false);
                var frame = FrameBuffer.CreateMessage(item, _maxFrameBytes, static (size, max) =>
                    $"A streamed item of {size} bytes is more than the maximum frame size of {max} bytes; raise WorkerPoolOptions.MaxFrameBytes or yield smaller items.", Channel?.SharedArena);
                frame.Seal(FrameKind.StreamItem, CallId);
                if (Channel is null || !Channel.TrySend(frame))
                {
                    // The channel is gone: the parent will not read more; stop producing.
                    throw new OperationCanceledException(token);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _streamCredits, null);
            credits.Dispose();
        }

        Send(FrameKind.StreamEnd, FrameBuffer.Create(FrameHeader.Size));
    }

    /// <summary>The caller took <paramref name="count"/> more items of this call's stream: that many more may be sent.</summary>
    internal void AddStreamCredit(int count)
    {
        try
        {
            Volatile.Read(ref _streamCredits)?.Release(count);
        }
        catch (ObjectDisposedException)
        {
            // The stream ended while the credit was on its way.
        }
    }

    /// <summary>Stops the call's progress proxy once the call is answered.</summary>
    private void CloseProgress() => _closeProgress?.Invoke();
}
