using MemoryPack;

namespace Offload.Protocol;

/// <summary>
/// Body of <see cref="FrameKind.Log"/>: one entry that worker code logged, flattened to strings so that any state or
/// exception crosses the process boundary (the parent replays it through its own logger factory).
/// </summary>
[MemoryPackable]
internal sealed partial class LogRecord
{
    /// <summary>The logger's category.</summary>
    public string Category { get; set; } = "";

    /// <summary>The level, as a <c>Microsoft.Extensions.Logging.LogLevel</c>.</summary>
    public int Level { get; set; }

    /// <summary>The event id's number.</summary>
    public int EventId { get; set; }

    /// <summary>The event id's name, if any.</summary>
    public string? EventName { get; set; }

    /// <summary>The formatted message.</summary>
    public string Message { get; set; } = "";

    /// <summary>
    /// The structured state's keys (the message template's placeholders and <c>{OriginalFormat}</c>), in order;
    /// <see cref="StateValues"/> holds their values as strings.
    /// </summary>
    public string[] StateKeys { get; set; } = [];

    /// <summary>The structured state's values, formatted with the invariant culture; <see langword="null"/> stays null.</summary>
    public string?[] StateValues { get; set; } = [];

    /// <summary>The logged exception's full type name, if any.</summary>
    public string? ExceptionType { get; set; }

    /// <summary>The logged exception's message, if any.</summary>
    public string? ExceptionMessage { get; set; }

    /// <summary>The logged exception as text (<see cref="Exception.ToString"/>: type, message, inner exceptions, stack).</summary>
    public string? ExceptionText { get; set; }

    /// <summary>The scopes the entry was logged in, outermost first.</summary>
    public LogScope[] Scopes { get; set; } = [];

    /// <summary>
    /// The <see cref="FrameKind.Log"/> frame of this entry for the call <paramref name="callId"/>; an entry too large for
    /// a frame is cut down (<see cref="FitTo"/>) rather than break the channel.
    /// </summary>
    public FrameBuffer ToFrame(long callId, int maxFrameBytes)
    {
        var frame = FrameBuffer.CreateMessage(this);
        if (frame.Length > maxFrameBytes)
        {
            frame.Dispose();
            frame = FrameBuffer.CreateMessage(FitTo(maxFrameBytes));
        }

        frame.Seal(FrameKind.Log, callId);
        return frame;
    }

    /// <summary>
    /// A copy cut down to fit a frame of <paramref name="maxFrameBytes"/>: the message, state values and exception text
    /// shortened, scopes dropped. Logging must never break the channel, whatever a user logs.
    /// </summary>
    public LogRecord FitTo(int maxFrameBytes)
    {
        // UTF-16 text may take up to 3 bytes a character in MemoryPack's UTF-8; a quarter of the frame each leaves room.
        var budget = Math.Max(256, maxFrameBytes / 16);
        return new LogRecord
        {
            Category = Cut(Category, budget),
            Level = Level,
            EventId = EventId,
            EventName = EventName is null ? null : Cut(EventName, budget),
            Message = Cut(Message, budget),
            ExceptionType = ExceptionType is null ? null : Cut(ExceptionType, budget),
            ExceptionMessage = ExceptionMessage is null ? null : Cut(ExceptionMessage, budget),
            ExceptionText = ExceptionText is null ? null : Cut(ExceptionText, budget),
        };
    }

    private static string Cut(string text, int budget) =>
        text.Length <= budget ? text : string.Concat(text.AsSpan(0, budget), $"… ({text.Length - budget} more characters cut: the entry did not fit in one frame)");
}
