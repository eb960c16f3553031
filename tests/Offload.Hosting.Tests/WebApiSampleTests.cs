using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Offload.Runtime.Tests;
using Offload.Samples.WebApi;

namespace Offload.Hosting.Tests;

/// <summary>
/// samples/WebApi, run in this process by <see cref="WebApplicationFactory{TEntryPoint}"/>: its workers are this test host
/// started again (<c>dotnet exec testhost.dll</c> with the test project's runtimeconfig and deps file, entered through
/// Offload's startup hook), which is how workers start for any app under <c>dotnet test</c>.
/// </summary>
public sealed class WebApiSampleTests
{
    /// <summary>Primes below 2,000,000.</summary>
    private const long PrimesBelowTwoMillion = 148_933;

    [Fact]
    public async Task The_primes_endpoint_answers_from_the_hosted_pools_workers()
    {
        await using var factory = CreateFactory();
        using var client = factory.CreateClient();
        var pool = factory.Services.GetRequiredService<WorkerPool>();

        var answer = await client.GetFromJsonAsync<PrimeCountResponse>("/primes?from=0&to=2000000");

        Assert.NotNull(answer);
        Assert.Equal(PrimesBelowTwoMillion, answer.Primes);
        Assert.Equal(answer.Segments, pool.Statistics.CallsSucceeded);
        Assert.NotEmpty(answer.WorkerProcessIds);
        Assert.DoesNotContain(Environment.ProcessId, answer.WorkerProcessIds);
        Assert.Subset(TestHosts.WorkerProcessIds(pool).ToHashSet(), answer.WorkerProcessIds.ToHashSet());
    }

    [Fact]
    public async Task The_endpoint_without_a_pool_runs_on_the_hosted_pool()
    {
        await using var factory = CreateFactory();
        using var client = factory.CreateClient();
        var pool = factory.Services.GetRequiredService<WorkerPool>();
        var before = pool.Statistics.CallsSucceeded;

        var answer = await client.GetFromJsonAsync<PrimeCountResponse>("/primes/shared?to=2000000");

        Assert.NotNull(answer);
        Assert.Equal(PrimesBelowTwoMillion, answer.Primes);
        Assert.Equal(before + 1, pool.Statistics.CallsSucceeded);
        Assert.Contains(Assert.Single(answer.WorkerProcessIds), TestHosts.WorkerProcessIds(pool));
    }

    [Fact]
    public async Task IWorkerPool_and_WorkerPool_are_one_pool_configured_from_the_apps_settings()
    {
        await using var factory = CreateFactory();
        var services = factory.Services;

        Assert.Same(services.GetRequiredService<WorkerPool>(), services.GetRequiredService<IWorkerPool>());

        // appsettings.json's "Offload" section, with the test's WorkerCount over it.
        var options = services.GetRequiredService<IOptions<WorkerPoolOptions>>().Value;
        Assert.Equal(2, options.WorkerCount);
        Assert.Equal(TimeSpan.FromSeconds(30), options.CallTimeout);
        Assert.Equal(QueueFullMode.Fail, options.QueueFullMode);
    }

    [Fact]
    public async Task Health_is_healthy_then_degraded_while_workers_keep_getting_killed()
    {
        await using var factory = CreateFactory();
        using var client = factory.CreateClient();
        var pool = factory.Services.GetRequiredService<WorkerPool>();

        Assert.Equal("Healthy", await client.GetStringAsync("/health"));

        // The sample keeps the check's defaults: three crashes within a minute.
        for (var i = 0; i < 3; i++)
        {
            await TestHosts.KillOneWorkerAsync(pool);
        }

        var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());

        // Still serving: the pool replaced every worker it lost.
        var answer = await client.GetFromJsonAsync<PrimeCountResponse>("/primes?to=100000");
        Assert.Equal(9_592, answer!.Primes);
    }

    [Fact]
    public async Task No_worker_outlives_the_host()
    {
        int[] workers;
        await using (var factory = CreateFactory())
        {
            using var client = factory.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/primes?to=100000")).StatusCode);
            workers = TestHosts.WorkerProcessIds(factory.Services.GetRequiredService<WorkerPool>());
            Assert.Equal(2, workers.Length);
            Assert.All(workers, pid => Assert.True(TestHelpers.IsAlive(pid)));
        }

        Assert.All(workers, pid => Assert.False(TestHelpers.IsAlive(pid), $"worker {pid} outlived the host"));
    }

    [Fact]
    public async Task A_bad_value_in_the_apps_configuration_fails_its_start_naming_the_key()
    {
        await using var factory = CreateFactory().WithWebHostBuilder(web => web.UseSetting("Offload:MaxFrameBytes", "100"));

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("'Offload:MaxFrameBytes'", error.Message);
        Assert.Contains("Actual value was 100", error.Message);
    }

    [Theory]
    [InlineData("/primes", "Say where the range ends")]
    [InlineData("/primes?from=-5&to=10", "cannot be negative")]
    [InlineData("/primes/shared?from=10&to=5", "is below from")]
    [InlineData("/primes?to=1000000000", "ask for less")]
    public async Task A_bad_range_gets_a_400_that_says_why(string url, string expected)
    {
        await using var factory = CreateFactory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    private static WebApplicationFactory<Program> CreateFactory() =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web => web.UseSetting("Offload:WorkerCount", "2"));
}
