using Offload.CompilerServices;

namespace Offload.Parent;

/// <summary>
/// What a generated map companion asked for: which method, on which pool, over which input. Each enumeration of the
/// map (or the one run of a <c>ForEachAsync</c>) gets a fresh <see cref="MapRunner{TItem, TArguments, TResult}"/>.
/// </summary>
internal sealed class MapRequest<TItem, TArguments>
    where TArguments : struct, IOffloadArguments
{
    /// <summary>Checks every argument up front, so that a wrong one fails at the call, not at the first enumeration.</summary>
    public MapRequest(
        WorkerPool pool,
        MethodDescriptor batchMethod,
        MapSource<TItem> source,
        Func<TItem, TArguments> toArguments,
        MapOptions? options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(batchMethod);
        ArgumentNullException.ThrowIfNull(toArguments);
        if (!source.IsValid)
        {
            throw new ArgumentNullException(nameof(source));
        }

        options ??= DefaultOptions;
        options.Validate();
        Pool = pool;
        Method = batchMethod;
        Source = source.Items;
        AsyncSource = source.AsyncItems;
        ToArguments = toArguments;
        Options = options;
        CancellationToken = cancellationToken;
    }

    private static MapOptions DefaultOptions { get; } = new();

    public WorkerPool Pool { get; }

    /// <summary>The method's batch descriptor: its id is the batch invoker's, its settings the method's.</summary>
    public MethodDescriptor Method { get; }

    /// <summary>The synchronous input, or null when <see cref="AsyncSource"/> is the input.</summary>
    public IEnumerable<TItem>? Source { get; }

    /// <summary>The asynchronous input, or null when <see cref="Source"/> is the input.</summary>
    public IAsyncEnumerable<TItem>? AsyncSource { get; }

    /// <summary>Turns an item into the method's arguments (a static lambda in generated code).</summary>
    public Func<TItem, TArguments> ToArguments { get; }

    public MapOptions Options { get; }

    /// <summary>The token passed to the companion.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Starts one run of the map; <paramref name="enumeratorToken"/> is the token given to <c>GetAsyncEnumerator</c>.</summary>
    public MapRunner<TItem, TArguments, TResult> Start<TResult>(bool ordered, bool readResults, CancellationToken enumeratorToken) =>
        new(this, ordered, readResults, enumeratorToken);

    /// <summary>Runs a map with no results (<c>ForEachAsync</c>) to its end.</summary>
    public async Task RunToEndAsync()
    {
        var runner = Start<bool>(ordered: false, readResults: false, CancellationToken.None);
        await using (runner.ConfigureAwait(false))
        {
            while (await runner.NextChunkAsync().ConfigureAwait(false) is { } chunk)
            {
                runner.Release(chunk);
            }
        }
    }
}
