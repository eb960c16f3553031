namespace Offload.CompilerServices;

/// <summary>The entry points generated map companions call (<c>MapAsync</c>, <c>MapUnorderedAsync</c>, <c>ForEachAsync</c>).</summary>
public static partial class OffloadCalls
{
    /// <summary>Runs a method with a result for every item of <paramref name="source"/>, in chunks; yields the results in input order.</summary>
    /// <param name="pool">The pool whose workers run the chunks; <see langword="null"/> for <see cref="WorkerPool.Shared"/>.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static IAsyncEnumerable<TResult> MapAsync<TItem, TArguments, TResult>(
        IWorkerPool? pool, MethodDescriptor batchMethod, IEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        Pool(pool).MapAsync<TItem, TArguments, TResult>(batchMethod, new(source), arguments, options, cancellationToken);

    /// <summary>As <see cref="MapAsync{TItem, TArguments, TResult}(IWorkerPool?, MethodDescriptor, IEnumerable{TItem}, Func{TItem, TArguments}, MapOptions?, CancellationToken)"/>, over an asynchronous input.</summary>
    /// <param name="pool">The pool whose workers run the chunks; <see langword="null"/> for <see cref="WorkerPool.Shared"/>.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static IAsyncEnumerable<TResult> MapAsync<TItem, TArguments, TResult>(
        IWorkerPool? pool, MethodDescriptor batchMethod, IAsyncEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        Pool(pool).MapAsync<TItem, TArguments, TResult>(batchMethod, new(source), arguments, options, cancellationToken);

    /// <summary>Runs a method with a result for every item of <paramref name="source"/>, in chunks; yields the results, with their input positions, as chunks complete.</summary>
    /// <param name="pool">The pool whose workers run the chunks; <see langword="null"/> for <see cref="WorkerPool.Shared"/>.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static IAsyncEnumerable<MapResult<TResult>> MapUnorderedAsync<TItem, TArguments, TResult>(
        IWorkerPool? pool, MethodDescriptor batchMethod, IEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        Pool(pool).MapUnorderedAsync<TItem, TArguments, TResult>(batchMethod, new(source), arguments, options, cancellationToken);

    /// <summary>As <see cref="MapUnorderedAsync{TItem, TArguments, TResult}(IWorkerPool?, MethodDescriptor, IEnumerable{TItem}, Func{TItem, TArguments}, MapOptions?, CancellationToken)"/>, over an asynchronous input.</summary>
    /// <param name="pool">The pool whose workers run the chunks; <see langword="null"/> for <see cref="WorkerPool.Shared"/>.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static IAsyncEnumerable<MapResult<TResult>> MapUnorderedAsync<TItem, TArguments, TResult>(
        IWorkerPool? pool, MethodDescriptor batchMethod, IAsyncEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        Pool(pool).MapUnorderedAsync<TItem, TArguments, TResult>(batchMethod, new(source), arguments, options, cancellationToken);

    /// <summary>Runs a method with no result for every item of <paramref name="source"/>, in chunks; completes once every item has run.</summary>
    /// <param name="pool">The pool whose workers run the chunks; <see langword="null"/> for <see cref="WorkerPool.Shared"/>.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static Task ForEachAsync<TItem, TArguments>(
        IWorkerPool? pool, MethodDescriptor batchMethod, IEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        Pool(pool).ForEachAsync(batchMethod, new(source), arguments, options, cancellationToken);

    /// <summary>As <see cref="ForEachAsync{TItem, TArguments}(IWorkerPool?, MethodDescriptor, IEnumerable{TItem}, Func{TItem, TArguments}, MapOptions?, CancellationToken)"/>, over an asynchronous input.</summary>
    /// <param name="pool">The pool whose workers run the chunks; <see langword="null"/> for <see cref="WorkerPool.Shared"/>.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static Task ForEachAsync<TItem, TArguments>(
        IWorkerPool? pool, MethodDescriptor batchMethod, IAsyncEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        Pool(pool).ForEachAsync(batchMethod, new(source), arguments, options, cancellationToken);

    /// <summary>The pool a map companion was given, or the shared one.</summary>
    private static IWorkerPool Pool(IWorkerPool? pool) => pool ?? WorkerPool.Shared;
}
