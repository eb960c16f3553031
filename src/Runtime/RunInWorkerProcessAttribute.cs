namespace Offload;

/// <summary>
/// Marks a <see langword="static"/> method of a <see langword="partial"/> type to be run in a worker process.
/// </summary>
/// <remarks>
/// <para>
/// The Offload source generator adds an asynchronous companion to the same partial type: for a method
/// <c>long CountPrimes(long from, long to)</c> it adds
/// <c>Task&lt;long&gt; CountPrimesAsync(long from, long to, CancellationToken cancellationToken = default)</c>,
/// which runs the method in <see cref="WorkerPool.Shared"/>, and an overload that takes a <see cref="WorkerPool"/> first.
/// A method whose name already ends in <c>Async</c> gets <c>{Name-without-Async}InWorkerAsync</c>.
/// </para>
/// <para>
/// Calling the method itself still runs it in the current process.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RunInWorkerProcessAttribute : Attribute
{
    /// <summary>
    /// How many times a call is run again, on another worker, when its worker dies while running it (or it times out,
    /// or, with <see cref="RetryOnException"/>, it throws). Only for idempotent methods: a retried call may have run
    /// partly, or fully, before its worker died. Default 0 (never retried); at most 100.
    /// </summary>
    public int MaxRetries { get; set; }

    /// <summary>
    /// Also retry (up to <see cref="MaxRetries"/> times) when the method throws. Default <see langword="false"/>: an
    /// exception thrown by the method is its answer, and is only retried when asked for here.
    /// </summary>
    public bool RetryOnException { get; set; }

    /// <summary>
    /// The longest a call may run in its worker, in milliseconds; past it the call fails with
    /// <see cref="TimeoutException"/> and the worker is killed and replaced. Default 0: the pool's
    /// <see cref="WorkerPoolOptions.CallTimeout"/> applies (none, unless set).
    /// </summary>
    public int TimeoutMilliseconds { get; set; }
}
