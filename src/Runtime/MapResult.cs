namespace Offload;

/// <summary>One result of an unordered map (<c>MapUnorderedAsync</c>): the method's result for the input at <see cref="Index"/>.</summary>
/// <typeparam name="T">The method's result type.</typeparam>
/// <param name="Index">The position, from 0, of the item in the map's input.</param>
/// <param name="Value">The method's result for that item.</param>
public readonly record struct MapResult<T>(long Index, T Value);
