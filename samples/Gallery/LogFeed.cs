using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Offload.Samples.Gallery;

/// <summary>
/// A small logging provider for the pool's <see cref="WorkerPoolOptions.LoggerFactory"/>: it keeps the last lines
/// for the live display and tells <see cref="Logged"/> of each one (the plain display prints them). A line that a
/// worker logged carries the worker's id, which the pool puts in a scope around it.
/// </summary>
public sealed class LogFeed : ILoggerProvider, ISupportExternalScope
{
    private const int Kept = 8;
    private const string WorkerIdKey = "OffloadWorkerId";

    private readonly Lock _lock = new();
    private readonly Queue<LogLine> _recent = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    private int _workerLines;

    /// <summary>Raised for every line, on the thread that logged it.</summary>
    public event Action<LogLine>? Logged;

    /// <summary>How many lines came from worker code so far.</summary>
    public int WorkerLines => Volatile.Read(ref _workerLines);

    /// <summary>The last few lines, oldest first.</summary>
    public IReadOnlyList<LogLine> Recent()
    {
        lock (_lock)
        {
            return [.. _recent];
        }
    }

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new FeedLogger(this, categoryName);

    /// <inheritdoc/>
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private void Add(LogLine line)
    {
        lock (_lock)
        {
            _recent.Enqueue(line);
            if (_recent.Count > Kept)
            {
                _recent.Dequeue();
            }
        }

        if (line.WorkerId is not null)
        {
            Interlocked.Increment(ref _workerLines);
        }

        Logged?.Invoke(line);
    }

    private int? WorkerIdInScope()
    {
        var found = new StrongBox<int?>();
        _scopes.ForEachScope(
            static (scope, found) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, value) in pairs)
                    {
                        if (key == WorkerIdKey && int.TryParse(value?.ToString(), out var id))
                        {
                            found.Value = id;
                        }
                    }
                }
            },
            found);
        return found.Value;
    }

    private sealed class FeedLogger(LogFeed feed, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => feed._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                feed.Add(new LogLine(logLevel, category, feed.WorkerIdInScope(), formatter(state, exception), exception?.Message));
            }
        }
    }
}
