using HostedApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Offload;

// A generic host with the hosted pool, options from appsettings.json: prints one line per check and exits 0 only if
// every check passed.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddOffload("Offload");
builder.Services.AddHealthChecks().AddOffload();
var host = builder.Build();
await host.StartAsync();

var failures = 0;
void Check(string name, bool ok, string detail)
{
    Console.WriteLine(ok ? $"ok   {name}" : $"FAIL {name}: {detail}");
    failures += ok ? 0 : 1;
}

var pool = host.Services.GetRequiredService<WorkerPool>();
var workers = pool.Workers.Select(w => w.ProcessId).ToArray();
Check("the host's start started the configured workers", workers.Length == 2, $"{workers.Length} worker(s)");
Check("IWorkerPool is the pool", ReferenceEquals(pool, host.Services.GetRequiredService<IWorkerPool>()), "two pools");

var (processId, greeting) = await Work.WhoAmIAsync(pool);
Check("a call runs in a worker", processId != Environment.ProcessId && workers.Contains(processId), $"pid {processId}");
Check("workers get the configured environment", greeting == "hello from configuration", $"'{greeting}'");

var (sharedProcessId, _) = await Work.WhoAmIAsync();
Check("the companion without a pool uses the hosted pool", workers.Contains(sharedProcessId) && pool.Statistics.CallsSubmitted == 2, $"pid {sharedProcessId}");

var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
Check("the health check is healthy", health.Status == HealthStatus.Healthy, health.Status.ToString());

await host.StopAsync();
host.Dispose();
var alive = workers.Where(pid => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z')).ToArray();
Check("no worker outlives the host", alive.Length == 0, $"alive: {string.Join(", ", alive)}");

Console.WriteLine(failures == 0 ? "all checks passed" : $"{failures} check(s) failed");
return failures == 0 ? 0 : 1;
