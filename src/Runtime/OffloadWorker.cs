using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Worker.Logging;

namespace Offload;

/// <summary>
/// What code running in a worker can ask about where it runs: whether it is in a worker, which one, and the logger
/// factory whose loggers reach the pool's <see cref="WorkerPoolOptions.LoggerFactory"/> in the parent.
/// </summary>
/// <remarks>
/// A method gets a logger simply by taking an <see cref="ILogger"/> or <see cref="ILogger{TCategoryName}"/>
/// parameter; this is for code deeper in the call stack that has no such parameter.
/// </remarks>
public static class OffloadWorker
{
    private static WorkerLoggerFactory? loggerFactory;

    /// <summary>True in a worker process of a pool.</summary>
    public static bool IsWorker => Volatile.Read(ref loggerFactory) is not null;

    /// <summary>The worker's id in its pool, or <see langword="null"/> outside a worker.</summary>
    public static int? WorkerId => Volatile.Read(ref loggerFactory)?.WorkerId;

    /// <summary>
    /// In a worker: a logger factory whose loggers send what they log to the parent, where it reaches the pool's
    /// <see cref="WorkerPoolOptions.LoggerFactory"/> with its category, level, event id, message, state, exception and
    /// scopes (plus the worker id and the method being run as a scope). Levels below
    /// <see cref="WorkerPoolOptions.WorkerLogLevel"/> are dropped in the worker, at no cost. Outside a worker:
    /// <see cref="NullLoggerFactory.Instance"/>.
    /// </summary>
    public static ILoggerFactory LoggerFactory => (ILoggerFactory?)Volatile.Read(ref loggerFactory) ?? NullLoggerFactory.Instance;

    /// <summary>The worker's factory; set once the worker's channel is up.</summary>
    internal static WorkerLoggerFactory? WorkerLoggers
    {
        get => Volatile.Read(ref loggerFactory);
        set => Volatile.Write(ref loggerFactory, value);
    }
}
