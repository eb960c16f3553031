namespace Offload;

/// <summary>
/// One item of a map (<c>MapAsync</c>, <c>MapUnorderedAsync</c>, <c>ForEachAsync</c>) threw in its worker. The map
/// stops there: an ordered map has yielded the results of every item before <see cref="Index"/>, and the items after
/// it are not run (those already sent are canceled).
/// </summary>
/// <remarks>
/// <see cref="Exception.InnerException"/> is what the method threw for that item, by the same rule as a single call's
/// exception (<see cref="WorkerPoolOptions.RemoteExceptions"/>): of its own type where the parent can build it (an
/// <see cref="ArgumentException"/>, say), else a <see cref="RemoteInvocationException"/>. Failures that are not one
/// item's (the worker died, the map was canceled, the input threw) keep their own exception types.
/// </remarks>
public sealed class MapItemException : OffloadException
{
    /// <summary>Creates the exception.</summary>
    public MapItemException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The position, from 0, of the failed item in the map's input.</summary>
    public long Index { get; init; }
}
