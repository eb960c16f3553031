using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Offload.Runtime.Tests;

/// <summary>A logger provider that records every entry with its scopes, as a structured-logging sink sees them.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>The entries, in the order they were logged.</summary>
    public ConcurrentQueue<Entry> Entries { get; } = new();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>One recorded entry.</summary>
    public sealed record Entry(
        string Category,
        LogLevel Level,
        EventId EventId,
        string Message,
        IReadOnlyList<KeyValuePair<string, object?>> State,
        Exception? Exception,
        IReadOnlyList<object?> Scopes)
    {
        /// <summary>A value of the entry's structured state.</summary>
        public object? this[string key] => State.FirstOrDefault(p => p.Key == key).Value;

        /// <summary>Every key-value pair of every scope.</summary>
        public IEnumerable<KeyValuePair<string, object?>> ScopeValues =>
            Scopes.OfType<IEnumerable<KeyValuePair<string, object?>>>().SelectMany(s => s);
    }

    private sealed class Logger(string category, RecordingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<object?>();
            provider._scopes.ForEachScope((scope, list) => list.Add(scope), scopes);
            provider.Entries.Enqueue(new Entry(
                category,
                logLevel,
                eventId,
                formatter(state, exception),
                state as IReadOnlyList<KeyValuePair<string, object?>> ?? [],
                exception,
                scopes));
        }
    }
}
