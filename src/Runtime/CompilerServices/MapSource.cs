using System.ComponentModel;

namespace Offload.CompilerServices;

/// <summary>
/// The input of a map: a synchronous or an asynchronous sequence, exactly one of them. A synchronous one is read on
/// the map's producer without an asynchronous wrapper around each item.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct MapSource<TItem>
{
    /// <summary>A map over a synchronous sequence.</summary>
    /// <param name="items">The items, read lazily.</param>
    public MapSource(IEnumerable<TItem> items)
    {
        ArgumentNullException.ThrowIfNull(items, "source");
        Items = items;
    }

    /// <summary>A map over an asynchronous sequence.</summary>
    /// <param name="items">The items, read lazily.</param>
    public MapSource(IAsyncEnumerable<TItem> items)
    {
        ArgumentNullException.ThrowIfNull(items, "source");
        AsyncItems = items;
    }

    /// <summary>The synchronous sequence, or <see langword="null"/>.</summary>
    public IEnumerable<TItem>? Items { get; }

    /// <summary>The asynchronous sequence, or <see langword="null"/>.</summary>
    public IAsyncEnumerable<TItem>? AsyncItems { get; }

    /// <summary>False for a <c>default</c> value, which has neither.</summary>
    public bool IsValid => Items is not null || AsyncItems is not null;
}
