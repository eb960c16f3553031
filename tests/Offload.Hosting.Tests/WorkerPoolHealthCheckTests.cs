using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Offload.Hosting.Tests;

/// <summary>
/// <c>AddHealthChecks().AddOffload()</c>: Healthy while the pool serves, Degraded while its workers keep crashing,
/// Unhealthy (or the registration's failure status) once it is faulted or shut down.
/// </summary>
public sealed class WorkerPoolHealthCheckTests
{
    [Fact]
    public async Task A_running_pool_is_healthy_with_its_workers_and_queue_as_data()
    {
        using var host = BuildHost();
        await host.StartAsync();

        var entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("2 of 2 worker(s) ready.", entry.Description);
        Assert.Equal(2, entry.Data["workersReady"]);
        Assert.Equal(2, entry.Data["workerCount"]);
        Assert.Equal(0, entry.Data["queueLength"]);
        Assert.Equal(0L, entry.Data["workerCrashes"]);
        await host.StopAsync();
    }

    [Fact]
    public async Task Workers_that_keep_crashing_make_the_pool_degraded_until_the_crashes_are_old()
    {
        using var host = BuildHost(o => (o.CrashThreshold, o.CrashWindow) = (2, TimeSpan.FromSeconds(3)));
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<WorkerPool>();

        // One crash is what a pool is for: it replaces the worker.
        await TestHosts.KillOneWorkerAsync(pool);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);

        await TestHosts.KillOneWorkerAsync(pool);
        var degraded = await CheckAsync(host);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("2 worker(s) crashed in the last 3 s", degraded.Description);
        Assert.Equal(2, degraded.Data["recentCrashes"]);

        // Once the crashes are older than the window, the pool is healthy again.
        await Runtime.Tests.TestHelpers.WaitUntilAsync(() => CheckAsync(host).Result.Status == HealthStatus.Healthy, timeoutMs: 10_000, pollMs: 200);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_faulted_pool_is_unhealthy_with_the_reason()
    {
        using var host = BuildHost(settings: new Dictionary<string, string?>
        {
            ["Offload:WorkerCount"] = "1",
            ["Offload:EnvironmentVariables:DOTNET_STARTUP_HOOKS"] = "/nonexistent/hook.dll",
        });
        var pool = host.Services.GetRequiredService<WorkerPool>();
        await Assert.ThrowsAsync<WorkerStartException>(() => pool.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        var entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("The worker pool is faulted and serves no calls: The pool stopped starting workers", entry.Description);
        Assert.IsType<WorkerStartException>(entry.Exception);
        await pool.DisposeAsync();
    }

    [Fact]
    public async Task A_pool_whose_host_stopped_is_unhealthy_or_what_the_registration_says()
    {
        using var host = BuildHost(failureStatus: HealthStatus.Degraded);
        await host.StartAsync();
        await host.StopAsync();

        var entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("The worker pool is shut down.", entry.Description);
    }

    [Fact]
    public async Task Without_AddOffload_the_check_says_what_is_missing()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHealthChecks().AddOffload();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CheckAsync(host));

        Assert.Contains("services.AddOffload", error.Message);
    }

    [Theory]
    [InlineData(0, 60, "CrashThreshold")]
    [InlineData(257, 60, "CrashThreshold")]
    [InlineData(3, 0, "CrashWindow")]
    public void Settings_out_of_range_are_refused_when_the_check_is_added(int threshold, int windowSeconds, string setting)
    {
        var builder = new ServiceCollection().AddHealthChecks();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddOffload(
            configure: o => (o.CrashThreshold, o.CrashWindow) = (threshold, TimeSpan.FromSeconds(windowSeconds))));

        Assert.Equal(setting, error.ParamName);
    }

    private static IHost BuildHost(
        Action<WorkerPoolHealthCheckOptions>? configure = null, HealthStatus? failureStatus = null, IDictionary<string, string?>? settings = null) =>
        TestHosts.Build(settings, builder => builder.Services.AddHealthChecks().AddOffload(failureStatus: failureStatus, configure: configure));

    private static async Task<HealthReportEntry> CheckAsync(IHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["offload"];
    }
}
