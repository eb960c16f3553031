using MemoryPack;

namespace Offload.Protocol;

/// <summary>Body of <see cref="FrameKind.Error"/>: an exception raised in a worker, with its inner exceptions.</summary>
[MemoryPackable]
internal sealed partial class RemoteError
{
    /// <summary>Full name of the exception's type in the worker.</summary>
    public string TypeName { get; set; } = "";

    /// <summary>The exception's message.</summary>
    public string Message { get; set; } = "";

    /// <summary>The stack trace in the worker, if any.</summary>
    public string? StackTrace { get; set; }

    /// <summary>The exception's HResult.</summary>
    public int HResult { get; set; }

    /// <summary>Inner exceptions: one for <see cref="Exception.InnerException"/>, all of them for an <see cref="AggregateException"/>.</summary>
    public RemoteError[] InnerErrors { get; set; } = [];

    /// <summary>
    /// Builds the wire form of <paramref name="exception"/>, inner exceptions included up to a fixed depth. Never
    /// throws: user exceptions can override <see cref="Exception.Message"/> or <see cref="Exception.StackTrace"/> with
    /// code that fails, and an error report must not be lost to that.
    /// </summary>
    public static RemoteError FromException(Exception exception, int depth = 0)
    {
        const int MaxDepth = 8;
        const int MaxInner = 16;
        RemoteError[] inner;
        try
        {
            inner = depth >= MaxDepth
                ? []
                : exception is AggregateException aggregate
                    ? aggregate.InnerExceptions.Take(MaxInner).Select(e => FromException(e, depth + 1)).ToArray()
                    : exception.InnerException is { } single ? [FromException(single, depth + 1)] : [];
        }
        catch (Exception)
        {
            inner = [];
        }

        return new RemoteError
        {
            TypeName = exception.GetType().FullName ?? exception.GetType().Name,
            Message = Safely(() => exception.Message, "(the exception's message could not be read)"),
            StackTrace = Safely(() => exception.StackTrace, null),
            HResult = exception.HResult,
            InnerErrors = inner,
        };
    }

    /// <summary>What stands for an error frame whose body decoded to nothing.</summary>
    public static RemoteError Unknown => new() { TypeName = "Unknown", Message = "(empty error)" };

    /// <summary>
    /// True for the exceptions after which a worker's state is suspect (it ran out of memory or stack): the call gets its
    /// exception, and the worker asks to be replaced.
    /// </summary>
    internal static bool LeavesWorkerSuspect(Exception exception) => exception is OutOfMemoryException or InsufficientExecutionStackException;

    /// <summary>A copy cut down to fit in about <paramref name="maxChars"/> characters of text.</summary>
    public RemoteError Truncate(int maxChars) => new()
    {
        TypeName = TypeName,
        Message = Cut(Message, maxChars),
        StackTrace = StackTrace is null ? null : Cut(StackTrace, maxChars),
        HResult = HResult,
        InnerErrors = maxChars < 256 ? [] : InnerErrors.Take(4).Select(e => e.Truncate(maxChars / 4)).ToArray(),
    };

    private static string Cut(string text, int maxChars) =>
        text.Length <= maxChars ? text : string.Concat(text.AsSpan(0, maxChars), $"… ({text.Length - maxChars} more characters cut)");

    private static T Safely<T>(Func<T> read, T fallback)
    {
        try
        {
            return read();
        }
        catch (Exception)
        {
            return fallback;
        }
    }
}
