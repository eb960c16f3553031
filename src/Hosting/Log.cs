using Microsoft.Extensions.Logging;

namespace Offload.Hosting;

/// <summary>The hosted pool's log messages (event ids from 100, past the pool's own).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Offload worker pool started: {Workers} worker(s) ready in {ElapsedMs} ms")]
    public static partial void Started(ILogger logger, int workers, long elapsedMs);

    [LoggerMessage(101, LogLevel.Error, "Offload worker pool could not start its workers; the host does not start")]
    public static partial void StartFailed(ILogger logger, Exception exception);

    [LoggerMessage(102, LogLevel.Information, "Offload worker pool drained and stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(103, LogLevel.Warning, "Offload worker pool did not drain within the host's shutdown timeout ({Queued} call(s) still queued); killing its workers")]
    public static partial void DrainTimedOut(ILogger logger, int queued);

    [LoggerMessage(104, LogLevel.Error, "Offload worker pool's killed workers were not all reaped within {WaitMs} ms")]
    public static partial void KillTimedOut(ILogger logger, long waitMs);
}
