using Microsoft.Extensions.Diagnostics.HealthChecks;
using Offload;
using Offload.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a health check of the pool registered with <c>services.AddOffload(…)</c>.</summary>
public static class OffloadHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of the <see cref="WorkerPool"/> registered with <c>AddOffload</c>: <paramref name="failureStatus"/>
    /// (Unhealthy by default) when the pool is faulted (its workers cannot be started) or shut down, Degraded while its
    /// workers keep crashing (<see cref="WorkerPoolHealthCheckOptions.CrashThreshold"/> crashes within
    /// <see cref="WorkerPoolHealthCheckOptions.CrashWindow"/>), Healthy otherwise. Its data: <c>workersReady</c>,
    /// <c>workerCount</c>, <c>queueLength</c>, <c>workerCrashes</c>, <c>recentCrashes</c>, <c>started</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">What a faulted or shut-down pool reports; <see langword="null"/> for Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by (readiness, liveness); <see langword="null"/> for none.</param>
    /// <param name="configure">Sets when the pool counts as degraded; <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IHealthChecksBuilder AddOffload(
        this IHealthChecksBuilder builder,
        string name = "offload",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        Action<WorkerPoolHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = new WorkerPoolHealthCheckOptions();
        configure?.Invoke(options);
        options.Validate();
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new WorkerPoolHealthCheck(
                provider.GetService<WorkerPool>() ?? throw new InvalidOperationException(
                    "The Offload health check needs the pool that services.AddOffload(…) registers; call it too."),
                options),
            failureStatus,
            tags));
    }
}
