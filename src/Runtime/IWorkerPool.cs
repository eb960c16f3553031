using System.ComponentModel;
using Offload.CompilerServices;

namespace Offload;

/// <summary>
/// A pool that runs <c>[RunInWorkerProcess]</c> methods: what the generated companions take. <see cref="WorkerPool"/>
/// implements it with worker processes on this machine; a pool backed by a cluster implements it with the same
/// companions.
/// </summary>
/// <remarks>
/// Call the generated companions (<c>FooAsync(pool, …)</c>, <c>FooMapAsync(items, pool: pool)</c>), not these members:
/// they are the contract between the generated code and a pool, and take the generated descriptors and argument structs.
/// </remarks>
public interface IWorkerPool
{
    /// <summary>Runs one call of a method that returns a value.</summary>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="cancellationToken">Cancels the call: a queued call never runs; a running one sees its token fire.</param>
    /// <param name="progress">Where the worker's progress reports go, for a method with an <see cref="IProgress{T}"/> parameter; else <see langword="null"/>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    Task<TResult> InvokeAsync<TArguments, TResult>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments;

    /// <summary>Runs one call of a method with no result.</summary>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="cancellationToken">Cancels the call: a queued call never runs; a running one sees its token fire.</param>
    /// <param name="progress">Where the worker's progress reports go, for a method with an <see cref="IProgress{T}"/> parameter; else <see langword="null"/>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    Task InvokeAsync<TArguments>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments;

    /// <summary>
    /// Runs one call of a method that returns <see cref="IAsyncEnumerable{T}"/>: the call starts when the result is
    /// enumerated, and its items arrive as the worker yields them.
    /// </summary>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="progress">Where the worker's progress reports go, for a method with an <see cref="IProgress{T}"/> parameter; else <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call (as does the enumerator's own token, and disposing it early).</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    IAsyncEnumerable<TItem> StreamAsync<TArguments, TItem>(MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments;

    /// <summary>Runs a method with a result for every item of <paramref name="source"/>, in chunks; yields the results in input order.</summary>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="toArguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    IAsyncEnumerable<TResult> MapAsync<TItem, TArguments, TResult>(
        MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments;

    /// <summary>Runs a method with a result for every item of <paramref name="source"/>, in chunks; yields the results, with their input positions, as chunks complete.</summary>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="toArguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    IAsyncEnumerable<MapResult<TResult>> MapUnorderedAsync<TItem, TArguments, TResult>(
        MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments;

    /// <summary>Runs a method with no result for every item of <paramref name="source"/>, in chunks; completes once every item has run.</summary>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="toArguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    Task ForEachAsync<TItem, TArguments>(
        MethodDescriptor batchMethod, MapSource<TItem> source, Func<TItem, TArguments> toArguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments;
}
