using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>
/// Replays what worker code logged through the pool's <see cref="WorkerPoolOptions.LoggerFactory"/>: same category,
/// level, event id, message and structured state (as strings), the exception as a <see cref="WorkerLoggedException"/>,
/// inside the worker's scopes and an outer scope naming the worker and the method it was running.
/// </summary>
internal sealed class WorkerLogReplay(ILoggerFactory factory)
{
    /// <summary>The scope key of the worker's id.</summary>
    public const string WorkerIdKey = "OffloadWorkerId";

    /// <summary>The scope key of the method the worker was running.</summary>
    public const string MethodKey = "OffloadMethod";

    private static readonly Func<ReplayedState, Exception?, string> Format = static (state, _) => state.Message;

    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public void Replay(LogRecord record, int workerId, string? method)
    {
        var logger = _loggers.GetOrAdd(record.Category, static (category, factory) => factory.CreateLogger(category), factory);
        var level = (LogLevel)record.Level;
        if (!logger.IsEnabled(level))
        {
            return;
        }

        var scopes = new IDisposable?[record.Scopes.Length + 1];
        scopes[0] = logger.BeginScope(new ReplayedState("", [WorkerIdKey, MethodKey], [workerId.ToString(System.Globalization.CultureInfo.InvariantCulture), method]) { Text = $"Worker {workerId}{(method is null ? "" : " running " + method)}" });
        try
        {
            for (var i = 0; i < record.Scopes.Length; i++)
            {
                var scope = record.Scopes[i];
                scopes[i + 1] = scope.Keys.Length > 0 && scope.Keys.Length == scope.Values.Length
                    ? logger.BeginScope(new ReplayedState("", scope.Keys, scope.Values) { Text = scope.Text })
                    : logger.BeginScope(scope.Text);
            }

            var exception = record.ExceptionText is null
                ? null
                : new WorkerLoggedException(record.ExceptionType ?? "System.Exception", record.ExceptionMessage ?? "", record.ExceptionText);
            var state = record.StateKeys.Length == record.StateValues.Length
                ? new ReplayedState(record.Message, record.StateKeys, record.StateValues)
                : new ReplayedState(record.Message, [], []);
            logger.Log(level, new EventId(record.EventId, record.EventName), state, exception, Format);
        }
        finally
        {
            for (var i = scopes.Length - 1; i >= 0; i--)
            {
                scopes[i]?.Dispose();
            }
        }
    }

    /// <summary>
    /// A logged entry's or scope's state as the worker flattened it: a list of key-value pairs, as structured logging
    /// providers expect, whose <see cref="ToString"/> is the message (or the scope's text).
    /// </summary>
    private sealed class ReplayedState(string message, string[] keys, string?[] values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;

        public string? Text { get; init; }

        public int Count => keys.Length;

        public KeyValuePair<string, object?> this[int index] => new(keys[index], values[index]);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < keys.Length; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Text ?? message;
    }
}
