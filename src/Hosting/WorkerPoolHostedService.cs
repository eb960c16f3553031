using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Offload.Hosting;

/// <summary>
/// Ties the registered pool to the host: starts and warms its workers when the host starts (a failure fails the host's
/// start), makes it <see cref="WorkerPool.Shared"/> while the host runs, and on stop drains it within the host's
/// shutdown timeout, then kills what is left, so that no worker outlives the host.
/// </summary>
internal sealed class WorkerPoolHostedService(WorkerPool pool, ILogger<WorkerPoolHostedService> logger) : IHostedService
{
    /// <summary>How long to wait for killed workers to be reaped: a kill is immediate, so this is only a bound.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    private IDisposable? _shared;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Shared first: calls made without a pool by services that start alongside this one go to this pool too (they
        // wait in its queue while the workers warm up) rather than starting a second, process-wide pool.
        _shared = WorkerPool.UseAsShared(pool);
        var started = Stopwatch.StartNew();
        try
        {
            await pool.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _shared.Dispose();
            if (ex is not OperationCanceledException)
            {
                Log.StartFailed(logger, ex);
            }

            throw;
        }

        Log.Started(logger, pool.WorkerCount, (long)started.Elapsed.TotalMilliseconds);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Queued and running calls finish, unless the host's shutdown timeout (the token) runs out first.
            await pool.ShutdownAsync(ShutdownMode.Drain).WaitAsync(cancellationToken).ConfigureAwait(false);
            Log.Stopped(logger);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.DrainTimedOut(logger, pool.Statistics.QueueLength);
            try
            {
                await pool.ShutdownAsync(ShutdownMode.Kill).WaitAsync(KillWait, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.KillTimedOut(logger, (long)KillWait.TotalMilliseconds);
            }
        }
        finally
        {
            // Only now: calls made without a pool during the drain fail as the host's pool shuts down, instead of starting
            // a process-wide pool whose workers would outlive the host. (The pool undoes it itself once stopped.)
            _shared?.Dispose();
        }
    }
}
