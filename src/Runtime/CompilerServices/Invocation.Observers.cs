using Microsoft.Extensions.Logging;

namespace Offload.CompilerServices;

/// <summary>What a call's method gets besides its arguments: progress, loggers and the way to stream its items back.</summary>
public sealed partial class Invocation
{
    /// <summary>
    /// The proxy bound to the method's <see cref="IProgress{T}"/> parameter: each report goes to the caller's
    /// <see cref="IProgress{T}"/>, in order; reports made faster than the channel sends them are coalesced.
    /// </summary>
    /// <typeparam name="T">The type of the reports.</typeparam>
    public IProgress<T> GetProgress<T>() => throw new NotImplementedException("progress: next commit");

    /// <summary>The logger bound to the method's <see cref="ILogger"/> parameter; what it logs reaches the pool's logger factory.</summary>
    /// <param name="categoryName">The logger's category: the full name of the method's containing type.</param>
    public ILogger GetLogger(string categoryName) => throw new NotImplementedException("logging: next commit");

    /// <summary>The logger bound to the method's <see cref="ILogger{TCategoryName}"/> parameter.</summary>
    /// <typeparam name="TCategory">The type whose full name is the logger's category.</typeparam>
    public ILogger<TCategory> GetLogger<TCategory>() => throw new NotImplementedException("logging: next commit");

    /// <summary>
    /// Streams <paramref name="items"/> back to the caller as the method yields them, at most a window of items ahead
    /// of what the caller has taken, then answers that the stream ended.
    /// </summary>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <param name="items">The method's result.</param>
    public ValueTask ReturnStream<T>(IAsyncEnumerable<T> items) => throw new NotImplementedException("streaming: next commit");
}
