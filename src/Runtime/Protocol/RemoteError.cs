using MemoryPack;

namespace Offload.Protocol;

/// <summary>Body of <see cref="FrameKind.Error"/>: an exception raised in a worker, with its inner exceptions.</summary>
[MemoryPackable]
internal sealed partial class RemoteError
{
    /// <summary>Deepest level of inner exceptions kept.</summary>
    private const int MaxDepth = 8;

    /// <summary>
    /// Most errors one report holds, every level together, before it is fitted to the frame: bounds what capturing a
    /// huge tree of exceptions (an aggregate of a million, aggregates of aggregates) costs the worker.
    /// </summary>
    private const int MaxErrors = 10_000;

    /// <summary>Fewest characters an inner error that is kept is cut to: its type name and the start of its message.</summary>
    private const int MinInnerChars = 256;

    /// <summary>How much more text than one string's limit a truncated tree may hold (see <see cref="Truncate"/>).</summary>
    private const int TreeFactor = 8;

    /// <summary>MemoryPack's bytes per error besides its text (member count, lengths, HResult, counts).</summary>
    private const int OverheadChars = 32;

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
    /// How many of this exception's inner exceptions are not in <see cref="InnerErrors"/> (the last ones): they did not
    /// fit in the frame, lay deeper than <see cref="MaxDepth"/>, or came after <see cref="MaxErrors"/>. Counted so that
    /// the caller is told some are missing rather than left to think it has them all.
    /// </summary>
    public int OmittedInnerErrors { get; set; }

    /// <summary>
    /// The simple name of the assembly that defines the exception's type, for the parent to find the type by
    /// (see <c>RemoteExceptionFactory</c>); <see langword="null"/> for the core library's types, which are found by name
    /// alone. Last, so that the members before it keep their place on the wire.
    /// </summary>
    public string? AssemblyName { get; set; }

    /// <summary>
    /// Builds the wire form of <paramref name="exception"/>, inner exceptions included up to <see cref="MaxDepth"/> levels
    /// and <see cref="MaxErrors"/> errors in all; <see cref="Truncate"/> then cuts it down to the frame. Never throws:
    /// user exceptions can override <see cref="Exception.Message"/> or <see cref="Exception.StackTrace"/> with code
    /// that fails, and an error report must not be lost to that.
    /// </summary>
    public static RemoteError FromException(Exception exception)
    {
        var budget = MaxErrors;
        return Capture(exception, 0, ref budget);
    }

    /// <summary>What stands for an error frame whose body decoded to nothing.</summary>
    public static RemoteError Unknown => new() { TypeName = "Unknown", Message = "(empty error)" };

    /// <summary>
    /// True for the exceptions after which a worker's state is suspect (it ran out of memory or stack): the call gets its
    /// exception, and the worker asks to be replaced.
    /// </summary>
    internal static bool LeavesWorkerSuspect(Exception exception) => exception is OutOfMemoryException or InsufficientExecutionStackException;

    /// <summary>
    /// A copy cut down to fit a frame: each text to at most <paramref name="maxChars"/> characters, and the whole tree to
    /// about <see cref="TreeFactor"/> times that. Inner exceptions are kept, in order, as many as fit at
    /// <see cref="MinInnerChars"/> or more each (small ones whole, large ones cut to an equal share); the rest are
    /// counted in <see cref="OmittedInnerErrors"/>.
    /// </summary>
    /// <remarks>
    /// The frame writer passes a sixteenth of the room left in the frame (at most 512 Ki characters), so the tree takes
    /// about half of it in ASCII text: headroom for MemoryPack's per-error bytes and for wider characters. Should it
    /// still not fit, the writer calls again with half the budget.
    /// </remarks>
    public RemoteError Truncate(int maxChars) => Fit(maxChars, (long)TreeFactor * maxChars);

    private static RemoteError Capture(Exception exception, int depth, ref int budget)
    {
        budget--;
        IReadOnlyList<Exception> inner;
        try
        {
            inner = exception is AggregateException aggregate ? aggregate.InnerExceptions
                : exception.InnerException is { } single ? [single] : [];
        }
        catch (Exception)
        {
            inner = [];
        }

        var kept = new List<RemoteError>(depth >= MaxDepth ? 0 : Math.Min(inner.Count, Math.Max(budget, 0)));
        for (var i = 0; i < inner.Count && depth < MaxDepth && budget > 0; i++)
        {
            kept.Add(Capture(inner[i], depth + 1, ref budget));
        }

        return new RemoteError
        {
            TypeName = exception.GetType().FullName ?? exception.GetType().Name,
            Message = Safely(() => exception.Message, "(the exception's message could not be read)"),
            StackTrace = Safely(() => exception.StackTrace, null),
            HResult = exception.HResult,
            InnerErrors = [.. kept],
            OmittedInnerErrors = inner.Count - kept.Count,
            AssemblyName = Safely(() => AssemblyOf(exception.GetType()), null),
        };
    }

    private RemoteError Fit(int maxStringChars, long totalChars)
    {
        var stringChars = (int)Math.Clamp(totalChars / 4, 16, Math.Max(maxStringChars, 16));
        var fitted = new RemoteError
        {
            TypeName = TypeName,
            Message = Cut(Message, stringChars),
            StackTrace = StackTrace is null ? null : Cut(StackTrace, stringChars),
            HResult = HResult,
            AssemblyName = AssemblyName,
        };
        fitted.InnerErrors = FitInner(maxStringChars, totalChars - fitted.Size(), out var dropped);
        fitted.OmittedInnerErrors = OmittedInnerErrors + dropped;
        return fitted;
    }

    /// <summary>As many inner errors as fit in <paramref name="room"/> characters, at least <see cref="MinInnerChars"/> each.</summary>
    private RemoteError[] FitInner(int maxStringChars, long room, out int dropped)
    {
        var sizes = Array.ConvertAll(InnerErrors, e => e.Size());
        if (sizes.Sum() <= room)
        {
            dropped = 0;
            return InnerErrors;
        }

        var count = (int)Math.Min(sizes.Length, Math.Max(room, 0) / MinInnerChars);
        dropped = sizes.Length - count;
        if (count == 0)
        {
            return [];
        }

        // The largest equal share that lets the first `count` fit: smaller ones stay whole, larger ones are cut to it.
        long share = MinInnerChars, most = sizes.Take(count).Max();
        while (share < most)
        {
            var candidate = (share + most + 1) / 2;
            if (sizes.Take(count).Sum(size => Math.Min(size, candidate)) <= room)
            {
                share = candidate;
            }
            else
            {
                most = candidate - 1;
            }
        }

        var kept = new RemoteError[count];
        for (var i = 0; i < count; i++)
        {
            kept[i] = sizes[i] <= share ? InnerErrors[i] : InnerErrors[i].Fit(maxStringChars, share);
        }

        return kept;
    }

    /// <summary>Roughly how many characters (bytes, in ASCII) the error and its inner errors take on the wire.</summary>
    private long Size()
    {
        long size = OverheadChars + TypeName.Length + Message.Length + (StackTrace?.Length ?? 0) + (AssemblyName?.Length ?? 0);
        foreach (var inner in InnerErrors)
        {
            size += inner.Size();
        }

        return size;
    }

    private static string? AssemblyOf(Type type) =>
        type.Assembly == typeof(object).Assembly ? null : type.Assembly.GetName().Name;

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
