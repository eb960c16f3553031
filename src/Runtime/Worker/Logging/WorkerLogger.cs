using System.Globalization;
using Microsoft.Extensions.Logging;
using Offload.Protocol;

namespace Offload.Worker.Logging;

/// <summary>A logger in a worker: flattens each entry to a <see cref="LogRecord"/> for the parent (see <see cref="WorkerLoggerFactory"/>).</summary>
internal sealed class WorkerLogger(string category, WorkerLoggerFactory factory) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => factory.Scopes.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= factory.MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);
        var record = new LogRecord
        {
            Category = category,
            Level = (int)logLevel,
            EventId = eventId.Id,
            EventName = eventId.Name,
            Message = formatter(state, exception) ?? "",
            ExceptionType = exception?.GetType().FullName,
            ExceptionMessage = exception?.Message,
            ExceptionText = exception?.ToString(),
        };

        if (state is IReadOnlyList<KeyValuePair<string, object?>> pairs)
        {
            (record.StateKeys, record.StateValues) = Flatten(pairs);
        }

        List<LogScope>? scopes = null;
        factory.Scopes.ForEachScope(
            static (scope, list) =>
            {
                var entry = new LogScope { Text = Convert.ToString(scope, CultureInfo.InvariantCulture) ?? "" };
                if (scope is IReadOnlyList<KeyValuePair<string, object?>> scopePairs)
                {
                    (entry.Keys, entry.Values) = Flatten(scopePairs);
                }
                else if (scope is IEnumerable<KeyValuePair<string, object?>> dictionary)
                {
                    (entry.Keys, entry.Values) = Flatten([.. dictionary]);
                }

                list.Add(entry);
            },
            scopes = []);
        record.Scopes = [.. scopes];

        factory.Send(record);
    }

    private static (string[] Keys, string?[] Values) Flatten(IReadOnlyList<KeyValuePair<string, object?>> pairs)
    {
        var keys = new string[pairs.Count];
        var values = new string?[pairs.Count];
        for (var i = 0; i < pairs.Count; i++)
        {
            keys[i] = pairs[i].Key;
            values[i] = pairs[i].Value switch
            {
                null => null,
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                var value => value.ToString(),
            };
        }

        return (keys, values);
    }
}
