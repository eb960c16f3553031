using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Runtime.Tests;
using Offload.Samples.WebApi;

namespace Offload.Hosting.Tests;

/// <summary>
/// <c>services.AddOffload(…)</c> in a generic host: one pool for both service types, options from configuration checked
/// when the host starts, workers started with the host and gone when it stops, and <see cref="WorkerPool.Shared"/>.
/// </summary>
public sealed class OffloadServiceCollectionExtensionsTests
{
    [Fact]
    public async Task WorkerPool_and_IWorkerPool_are_the_same_singleton()
    {
        using var host = TestHosts.Build();

        var pool = host.Services.GetRequiredService<WorkerPool>();
        Assert.Same(pool, host.Services.GetRequiredService<IWorkerPool>());
        Assert.Same(pool, host.Services.GetRequiredService<WorkerPool>());
        await host.StopAsync();
    }

    [Fact]
    public async Task Starting_the_host_starts_and_warms_every_worker_and_makes_the_pool_shared()
    {
        using var host = TestHosts.Build();
        var pool = host.Services.GetRequiredService<WorkerPool>();
        Assert.NotSame(pool, WorkerPool.Shared);

        await host.StartAsync();
        try
        {
            // Ready as soon as the host has started: no call was needed to start them.
            Assert.Equal(2, pool.Workers.Count);
            Assert.Equal(0, pool.Statistics.CallsSubmitted);
            Assert.Same(pool, WorkerPool.Shared);

            // The companion without a pool runs on the hosted pool's workers.
            var (count, processId) = await PrimeMath.CountPrimesAsync(0, 100_000);
            Assert.Equal(9_592, count);
            Assert.Contains(processId, TestHosts.WorkerProcessIds(pool));
            Assert.Equal(1, pool.Statistics.CallsSubmitted);
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.NotSame(pool, WorkerPool.Shared);
    }

    [Fact]
    public async Task No_worker_outlives_the_hosts_stop()
    {
        using var host = TestHosts.Build();
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<WorkerPool>();
        var workers = TestHosts.WorkerProcessIds(pool);
        Assert.Equal(2, workers.Length);
        Assert.All(workers, pid => Assert.True(TestHelpers.IsAlive(pid)));

        // Stopped, not yet disposed: the stop alone ends them.
        await host.StopAsync();

        Assert.All(workers, pid => Assert.False(TestHelpers.IsAlive(pid), $"worker {pid} outlived the host's stop"));
    }

    [Fact]
    public async Task A_call_still_running_when_the_shutdown_timeout_runs_out_is_killed_with_its_worker()
    {
        using var host = TestHosts.Build(configure: builder => builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)));
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<WorkerPool>();
        var workers = TestHosts.WorkerProcessIds(pool);

        // Hours of work: only a kill ends it.
        var endless = PrimeMath.CountPrimesAsync(pool, 0, 100_000_000_000);
        try
        {
            await TestHelpers.WaitUntilAsync(() => pool.Workers.Any(w => w.CallsInFlight > 0));

            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await host.StopAsync();

            Assert.InRange(stopping.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => endless.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.All(workers, pid => Assert.False(TestHelpers.IsAlive(pid), $"worker {pid} outlived the host"));
        }
        finally
        {
            // Should the stop not have ended the call, disposing the host would drain it for hours.
            await pool.ShutdownAsync(ShutdownMode.Kill);
        }
    }

    [Fact]
    public async Task Stopping_the_host_lets_running_calls_finish()
    {
        using var host = TestHosts.Build();
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<WorkerPool>();

        // A call of a few hundred milliseconds, well within the host's shutdown timeout.
        var call = PrimeMath.CountPrimesAsync(pool, 0, 3_000_000);
        await TestHelpers.WaitUntilAsync(() => pool.Workers.Any(w => w.CallsInFlight > 0));
        await host.StopAsync();

        Assert.Equal(216_816, (await call).Count);
    }

    [Fact]
    public void Every_option_but_the_code_only_ones_binds_from_configuration()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Offload:WorkerCount"] = "3",
            ["Offload:MaxFrameBytes"] = "1048576",
            ["Offload:Prefetch"] = "4",
            ["Offload:CallTimeout"] = "00:01:00",
            ["Offload:CancellationGracePeriod"] = "00:00:02",
            ["Offload:MaxCallsPerWorker"] = "100",
            ["Offload:WorkerMemoryLimitBytes"] = "1073741824",
            ["Offload:WorkerHeapHardLimitBytes"] = "536870912",
            ["Offload:MaxQueuedCalls"] = "50",
            ["Offload:QueueFullMode"] = "Fail",
            ["Offload:StartTimeout"] = "00:00:10",
            ["Offload:ShutdownTimeout"] = "00:00:03",
            ["Offload:StandardErrorTailLines"] = "7",
            ["Offload:EnvironmentVariables:MODEL_HOME"] = "/opt/model",
            ["Offload:WorkerLogLevel"] = "Warning",
            ["Offload:StreamWindow"] = "8",
            ["Offload:RemoteExceptions"] = "Wrapped",
            ["Offload:Name"] = "api",
            ["Offload:UseSharedMemory"] = "false",
            ["Offload:SharedMemoryThreshold"] = "65536",
            ["Offload:SharedMemoryLimit"] = "268435456",
        };
        using var host = TestHosts.Build(settings);

        var options = host.Services.GetRequiredService<IOptions<WorkerPoolOptions>>().Value;

        Assert.Equal(3, options.WorkerCount);
        Assert.Equal(1_048_576, options.MaxFrameBytes);
        Assert.Equal(4, options.Prefetch);
        Assert.Equal(TimeSpan.FromMinutes(1), options.CallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.CancellationGracePeriod);
        Assert.Equal(100, options.MaxCallsPerWorker);
        Assert.Equal(1L << 30, options.WorkerMemoryLimitBytes);
        Assert.Equal(1L << 29, options.WorkerHeapHardLimitBytes);
        Assert.Equal(50, options.MaxQueuedCalls);
        Assert.Equal(QueueFullMode.Fail, options.QueueFullMode);
        Assert.Equal(TimeSpan.FromSeconds(10), options.StartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ShutdownTimeout);
        Assert.Equal(7, options.StandardErrorTailLines);
        Assert.Equal("/opt/model", options.EnvironmentVariables["MODEL_HOME"]);
        Assert.Equal(LogLevel.Warning, options.WorkerLogLevel);
        Assert.Equal(8, options.StreamWindow);
        Assert.Equal(RemoteExceptionMode.Wrapped, options.RemoteExceptions);
        Assert.Equal("api", options.Name);
        Assert.False(options.UseSharedMemory);
        Assert.Equal(64 * 1024, options.SharedMemoryThreshold);
        Assert.Equal(256L << 20, options.SharedMemoryLimit);

        // A property added to WorkerPoolOptions must be added here too (or to the code-only ones), so that the binding
        // generator's silence about it (Offload.Hosting turns off its "not supported" warnings) is never a surprise.
        var codeOnly = new[] { nameof(WorkerPoolOptions.LoggerFactory), nameof(WorkerPoolOptions.WorkerOutput) };
        var bound = settings.Keys.Select(k => k.Split(':')[1]).ToHashSet(StringComparer.Ordinal);
        var all = typeof(WorkerPoolOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name);
        Assert.Equal(all.Except(codeOnly).Order(), bound.Order());
    }

    [Fact]
    public void Code_wins_over_configuration_and_the_host_logger_factory_is_the_default()
    {
        using var host = TestHosts.Build(
            new Dictionary<string, string?> { ["Offload:WorkerCount"] = "3", ["Offload:Prefetch"] = "2" },
            builder => builder.Services.AddOffload(o => o.Prefetch = 5));

        var options = host.Services.GetRequiredService<IOptions<WorkerPoolOptions>>().Value;

        Assert.Equal(3, options.WorkerCount);
        Assert.Equal(5, options.Prefetch);
        Assert.Same(host.Services.GetRequiredService<ILoggerFactory>(), options.LoggerFactory);
    }

    [Fact]
    public void A_logger_factory_set_in_code_is_kept()
    {
        using var own = LoggerFactory.Create(_ => { });
        var services = new ServiceCollection().AddLogging().AddOffload(o => o.LoggerFactory = own);
        using var provider = services.BuildServiceProvider();

        Assert.Same(own, provider.GetRequiredService<IOptions<WorkerPoolOptions>>().Value.LoggerFactory);
    }

    [Fact]
    public async Task A_named_section_binds_from_the_application_configuration()
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Pools:Cpu:WorkerCount"] = "5" }).Build())
            .AddOffload("Pools:Cpu");

        // The pool is only IAsyncDisposable (it drains): a container that holds one is disposed asynchronously.
        await using var provider = services.BuildServiceProvider();

        Assert.Equal(5, provider.GetRequiredService<WorkerPool>().WorkerCount);
    }

    [Theory]
    [InlineData("WorkerCount", "0", "'Offload:WorkerCount'", "at least one worker")]
    [InlineData("MaxFrameBytes", "1000", "'Offload:MaxFrameBytes'", "Actual value was 1000")]
    [InlineData("StartTimeout", "00:00:00", "'Offload:StartTimeout'", "Actual value was 00:00:00")]
    [InlineData("MaxQueuedCalls", "-1", "'Offload:MaxQueuedCalls'", "Actual value was -1")]
    public async Task A_value_out_of_range_fails_the_start_naming_its_key_and_value(string key, string value, string expectedKey, string expectedText)
    {
        using var host = TestHosts.Build(new Dictionary<string, string?> { ["Offload:" + key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expectedKey, error.Message);
        Assert.Contains(expectedText, error.Message);
    }

    [Fact]
    public async Task A_value_out_of_range_set_in_code_names_the_property()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddOffload(o => o.WorkerCount = -2);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.StartsWith("WorkerPoolOptions.WorkerCount: A pool needs at least one worker.", error.Message);
        Assert.Contains("Actual value was -2", error.Message);
    }

    [Theory]
    [InlineData("WorkerCont", "4", "WorkerCont")]
    [InlineData("WorkerCount", "four", "Offload:WorkerCount")]
    [InlineData("QueueFullMode", "Sometimes", "Offload:QueueFullMode")]
    public async Task A_misspelt_key_or_a_value_that_does_not_convert_fails_the_start_naming_the_key(string key, string value, string expected)
    {
        using var host = TestHosts.Build(new Dictionary<string, string?> { ["Offload:" + key] = value });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task Workers_that_cannot_start_fail_the_host_start()
    {
        // A startup hook that does not exist makes the runtime refuse to start every worker.
        using var host = TestHosts.Build(new Dictionary<string, string?>
        {
            ["Offload:WorkerCount"] = "1",
            ["Offload:EnvironmentVariables:DOTNET_STARTUP_HOOKS"] = "/nonexistent/hook.dll",
        });
        var pool = host.Services.GetRequiredService<WorkerPool>();

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("failed starts in a row", error.Message);
        Assert.NotSame(pool, WorkerPool.Shared);
    }
}
