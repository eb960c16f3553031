using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Offload.Samples.Gallery;

/// <summary>One logged line, as the displays show it.</summary>
/// <param name="Level">Its level.</param>
/// <param name="Category">Its category (for worker code, the category it logged under in the worker).</param>
/// <param name="WorkerId">The worker that logged it, or <see langword="null"/> for this process.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Exception">The message of the exception logged with it, if any.</param>
public sealed record LogLine(LogLevel Level, string Category, int? WorkerId, string Message, string? Exception)
{
    /// <summary>"worker 2" or "pool".</summary>
    public string Source => WorkerId is { } id ? string.Create(CultureInfo.InvariantCulture, $"worker {id}") : "pool";

    /// <summary>The category's last part: "ImageWork" for "Offload.Samples.Gallery.ImageWork".</summary>
    public string ShortCategory => Category[(Category.LastIndexOf('.') + 1)..];

    /// <summary>A short name of the level, four letters.</summary>
    public string LevelName => Level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    /// <inheritdoc/>
    public override string ToString() =>
        $"[{Source}] {LevelName} {ShortCategory}: {Message}{(Exception is null ? "" : " (" + Exception + ")")}";
}
