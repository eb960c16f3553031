using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Offload.Protocol;

namespace Offload.Worker.Logging;

/// <summary>
/// The worker's logger factory: its loggers turn each entry into a <see cref="LogRecord"/> and send it to the parent in
/// a <see cref="FrameKind.Log"/> frame, tagged with the call that is running. Providers cannot be added: where entries
/// go is the parent's to decide.
/// </summary>
internal sealed class WorkerLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, WorkerLogger> _loggers = new(StringComparer.Ordinal);
    private readonly Action<LogRecord> _send;

    /// <param name="workerId">The worker's id in its pool.</param>
    /// <param name="minimumLevel">The lowest level sent; <see cref="LogLevel.None"/> sends nothing.</param>
    /// <param name="send">Sends a record to the parent.</param>
    public WorkerLoggerFactory(int workerId, LogLevel minimumLevel, Action<LogRecord> send)
    {
        WorkerId = workerId;
        MinimumLevel = minimumLevel;
        _send = send;
    }

    public int WorkerId { get; }

    public LogLevel MinimumLevel { get; }

    /// <summary>The scopes of every logger of this factory, which flow with the async context like those of Microsoft.Extensions.Logging.</summary>
    public LoggerExternalScopeProvider Scopes { get; } = new();

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName ?? "", static (category, factory) => new WorkerLogger(category, factory), this);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("A worker's log entries go to the pool's WorkerPoolOptions.LoggerFactory in the parent; add providers there.");

    public void Dispose()
    {
        // Loggers keep working until the worker exits: code may log while it shuts down.
    }

    internal void Send(LogRecord record) => _send(record);
}
