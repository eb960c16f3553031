using System;

namespace Offload.Generator.Model;

/// <summary>
/// The names the generator adds to a method's type: the companions the user calls and the hidden class that holds the
/// plumbing. One definition for the emitter, which writes them, and the analyzer, which reports a member in their way
/// (OFFLOAD0008), so that the two cannot drift apart.
/// </summary>
internal static class CompanionNames
{
    /// <summary>Ends the call companion's name (<c>SquareAsync</c>).</summary>
    public const string AsyncSuffix = "Async";

    /// <summary>Ends the call companion's name when the method's own name already ends in <c>Async</c> (<c>FetchInWorkerAsync</c>).</summary>
    public const string InWorkerAsyncSuffix = "InWorkerAsync";

    /// <summary>Ends the ordered map companion's name (<c>SquareMapAsync</c>).</summary>
    public const string MapAsyncSuffix = "MapAsync";

    /// <summary>Ends the unordered map companion's name (<c>SquareMapUnorderedAsync</c>).</summary>
    public const string MapUnorderedAsyncSuffix = "MapUnorderedAsync";

    /// <summary>Ends the map companion's name of a method without a result (<c>TouchForEachAsync</c>).</summary>
    public const string ForEachAsyncSuffix = "ForEachAsync";

    /// <summary>
    /// The nested class, one per containing type, that holds every method's descriptors, invokers, formatter
    /// registration and (mostly) arguments struct, out of the user's IntelliSense. The leading underscores keep it out
    /// of the way of names people write; a member the user declares with this name anyway is OFFLOAD0008.
    /// </summary>
    public const string PlumbingClass = "__Offload";

    /// <summary>
    /// The call companion: <c>{Name}Async</c>, or <c>{Name-without-Async}InWorkerAsync</c> when the method's name
    /// already ends in <c>Async</c> (so <c>FetchAsync</c> gets <c>FetchInWorkerAsync</c> and never collides with the
    /// method it wraps).
    /// </summary>
    public static string Call(string methodName) =>
        EndsInAsync(methodName)
            ? methodName.Substring(0, methodName.Length - AsyncSuffix.Length) + InWorkerAsyncSuffix
            : methodName + AsyncSuffix;

    /// <summary>
    /// The start of the map companions' names: the method's name without a trailing <c>Async</c>, so that
    /// <c>Square</c> and <c>FetchAsync</c> get <c>SquareMapAsync</c> and <c>FetchMapAsync</c>.
    /// </summary>
    public static string MapBase(string methodName) =>
        EndsInAsync(methodName) ? methodName.Substring(0, methodName.Length - AsyncSuffix.Length) : methodName;

    /// <summary>The ordered map companion of a method whose map base name is <paramref name="mapBase"/>.</summary>
    public static string MapAsync(string mapBase) => mapBase + MapAsyncSuffix;

    /// <summary>The unordered map companion of a method whose map base name is <paramref name="mapBase"/>.</summary>
    public static string MapUnorderedAsync(string mapBase) => mapBase + MapUnorderedAsyncSuffix;

    /// <summary>The map companion of a method without a result whose map base name is <paramref name="mapBase"/>.</summary>
    public static string ForEachAsync(string mapBase) => mapBase + ForEachAsyncSuffix;

    /// <summary>
    /// Whether a method gets map companions: only when it takes an argument to map over (parameters bound in the worker,
    /// a CancellationToken or an ILogger, are none), and neither streams its result nor reports progress. A map runs
    /// items in chunks and answers each chunk with one frame of results, which a stream of items is not; and progress
    /// per map item would need an IProgress per item, which a map's input cannot carry. Neither shape is supported, so
    /// such a method has its call companion only.
    /// </summary>
    public static bool HasMaps(bool hasArguments, bool isStream, bool hasProgress) => hasArguments && !isStream && !hasProgress;

    /// <summary>
    /// The map companions a method gets: <c>{Base}MapAsync</c> and <c>{Base}MapUnorderedAsync</c> when it has a
    /// result, <c>{Base}ForEachAsync</c> when it has none; none at all when <paramref name="hasMaps"/> is false (see
    /// <see cref="HasMaps"/>).
    /// </summary>
    public static string[] Maps(string methodName, bool hasMaps, bool hasResult)
    {
        if (!hasMaps)
        {
            return [];
        }

        var mapBase = MapBase(methodName);
        return hasResult ? [MapAsync(mapBase), MapUnorderedAsync(mapBase)] : [ForEachAsync(mapBase)];
    }

    private static bool EndsInAsync(string methodName) =>
        methodName.EndsWith(AsyncSuffix, StringComparison.Ordinal) && methodName.Length > AsyncSuffix.Length;
}
