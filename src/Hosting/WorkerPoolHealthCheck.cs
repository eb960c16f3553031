using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Offload.Hosting;

/// <summary>
/// Reports the hosted pool: the registration's failure status (Unhealthy by default) when it is faulted or shut down,
/// Degraded while its workers keep crashing, Healthy otherwise; with its workers, queue and crashes as data.
/// </summary>
internal sealed class WorkerPoolHealthCheck(WorkerPool pool, WorkerPoolHealthCheckOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = pool.GetHealth(options.CrashWindow);
        var statistics = pool.Statistics;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["started"] = health.IsStarted,
            ["workersReady"] = health.WorkersReady,
            ["workerCount"] = health.WorkerCount,
            ["queueLength"] = statistics.QueueLength,
            ["workerCrashes"] = statistics.WorkerCrashes,
            ["recentCrashes"] = health.RecentCrashes,
            ["crashWindowSeconds"] = options.CrashWindow.TotalSeconds,
        };

        var window = options.CrashWindow.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var result = health switch
        {
            { Fault: { } fault } => new HealthCheckResult(
                context.Registration.FailureStatus, $"The worker pool is faulted and serves no calls: {fault.Message}", fault, data),
            { IsShutDown: true } => new HealthCheckResult(context.Registration.FailureStatus, "The worker pool is shut down.", null, data),
            _ when health.RecentCrashes >= options.CrashThreshold => HealthCheckResult.Degraded(
                $"{health.RecentCrashes} worker(s) crashed in the last {window} s; the pool replaces them, but they keep crashing.", null, data),
            _ => HealthCheckResult.Healthy($"{health.WorkersReady} of {health.WorkerCount} worker(s) ready.", data),
        };
        return Task.FromResult(result);
    }
}
