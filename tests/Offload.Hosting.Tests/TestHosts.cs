using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Offload.Hosting.Tests;

/// <summary>Generic hosts with the hosted pool, configured from an in-memory section, for the tests.</summary>
internal static class TestHosts
{
    /// <summary>
    /// A host whose pool is bound from <paramref name="settings"/> (keys under <c>Offload:</c>) with two workers unless they
    /// say otherwise; <paramref name="configure"/> adds to its services.
    /// </summary>
    public static IHost Build(IDictionary<string, string?>? settings = null, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Offload:WorkerCount"] = "2" });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddOffload(builder.Configuration.GetSection("Offload"));
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>The process ids of the pool's workers now.</summary>
    public static int[] WorkerProcessIds(WorkerPool pool) => [.. pool.Workers.Select(w => w.ProcessId)];

    /// <summary>
    /// Kills one worker from outside, as an OOM killer would, and waits until the pool has replaced it and is at full
    /// strength again.
    /// </summary>
    public static async Task KillOneWorkerAsync(WorkerPool pool)
    {
        var before = WorkerProcessIds(pool);
        Runtime.Tests.TestHelpers.Kill(before[0]);
        await Runtime.Tests.TestHelpers.WaitUntilAsync(
            () => pool.Workers.Count == pool.WorkerCount && !WorkerProcessIds(pool).Contains(before[0]), timeoutMs: 15_000);
    }
}
