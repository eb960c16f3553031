namespace Offload.Dispatch;

/// <summary>The entry points generated map companions call (<c>MapAsync</c>, <c>MapUnorderedAsync</c>, <c>ForEachAsync</c>).</summary>
public static partial class OffloadCalls
{
    /// <summary>Runs a method with a result for every item of <paramref name="source"/>, in chunks; yields the results in input order.</summary>
    /// <param name="pool">The pool whose workers run the chunks.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static IAsyncEnumerable<TResult> MapAsync<TItem, TArguments, TResult>(
        WorkerPool pool, MethodDescriptor batchMethod, IEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        new OrderedMap<TItem, TArguments, TResult>(new(pool, batchMethod, Required(source), null, arguments, options, cancellationToken));

    /// <summary>As <see cref="MapAsync{TItem, TArguments, TResult}(WorkerPool, MethodDescriptor, IEnumerable{TItem}, Func{TItem, TArguments}, MapOptions?, CancellationToken)"/>, over an asynchronous input.</summary>
    /// <param name="pool">The pool whose workers run the chunks.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static IAsyncEnumerable<TResult> MapAsync<TItem, TArguments, TResult>(
        WorkerPool pool, MethodDescriptor batchMethod, IAsyncEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        new OrderedMap<TItem, TArguments, TResult>(new(pool, batchMethod, null, Required(source), arguments, options, cancellationToken));

    /// <summary>Runs a method with a result for every item of <paramref name="source"/>, in chunks; yields the results, with their input positions, as chunks complete.</summary>
    /// <param name="pool">The pool whose workers run the chunks.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static IAsyncEnumerable<MapResult<TResult>> MapUnorderedAsync<TItem, TArguments, TResult>(
        WorkerPool pool, MethodDescriptor batchMethod, IEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        new UnorderedMap<TItem, TArguments, TResult>(new(pool, batchMethod, Required(source), null, arguments, options, cancellationToken));

    /// <summary>As <see cref="MapUnorderedAsync{TItem, TArguments, TResult}(WorkerPool, MethodDescriptor, IEnumerable{TItem}, Func{TItem, TArguments}, MapOptions?, CancellationToken)"/>, over an asynchronous input.</summary>
    /// <param name="pool">The pool whose workers run the chunks.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static IAsyncEnumerable<MapResult<TResult>> MapUnorderedAsync<TItem, TArguments, TResult>(
        WorkerPool pool, MethodDescriptor batchMethod, IAsyncEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        new UnorderedMap<TItem, TArguments, TResult>(new(pool, batchMethod, null, Required(source), arguments, options, cancellationToken));

    /// <summary>Runs a method with no result for every item of <paramref name="source"/>, in chunks; completes once every item has run.</summary>
    /// <param name="pool">The pool whose workers run the chunks.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static Task ForEachAsync<TItem, TArguments>(
        WorkerPool pool, MethodDescriptor batchMethod, IEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        RunToEndAsync(new MapRequest<TItem, TArguments>(pool, batchMethod, Required(source), null, arguments, options, cancellationToken));

    /// <summary>As <see cref="ForEachAsync{TItem, TArguments}(WorkerPool, MethodDescriptor, IEnumerable{TItem}, Func{TItem, TArguments}, MapOptions?, CancellationToken)"/>, over an asynchronous input.</summary>
    /// <param name="pool">The pool whose workers run the chunks.</param>
    /// <param name="batchMethod">The method's batch descriptor.</param>
    /// <param name="source">The items, read lazily as chunks are sent.</param>
    /// <param name="arguments">Turns an item into the method's arguments.</param>
    /// <param name="options">Chunk sizing and chunks in flight; null for automatic.</param>
    /// <param name="cancellationToken">Cancels the map.</param>
    public static Task ForEachAsync<TItem, TArguments>(
        WorkerPool pool, MethodDescriptor batchMethod, IAsyncEnumerable<TItem> source, Func<TItem, TArguments> arguments, MapOptions? options, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments =>
        RunToEndAsync(new MapRequest<TItem, TArguments>(pool, batchMethod, null, Required(source), arguments, options, cancellationToken));

    /// <summary>Checked here so that a null input is reported under the companion's parameter name.</summary>
    private static T Required<T>(T source)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(source, nameof(source));
        return source;
    }

    private static async Task RunToEndAsync<TItem, TArguments>(MapRequest<TItem, TArguments> request)
        where TArguments : struct, IOffloadArguments
    {
        var runner = request.Start<bool>(ordered: false, readResults: false, CancellationToken.None);
        await using (runner.ConfigureAwait(false))
        {
            while (await runner.NextChunkAsync().ConfigureAwait(false) is { } chunk)
            {
                runner.Release(chunk);
            }
        }
    }
}
