using System.Diagnostics;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>
/// A worker is the application started again with the worker marker: it takes over before Main, and only then; it
/// leaves no trace of Offload's startup hook for the processes it starts.
/// </summary>
public sealed class WorkerEntryTests
{
    private static readonly string HostDll = TestHostProcess.Dll;

    [Fact]
    public async Task An_app_started_as_a_worker_without_a_secret_exits_before_its_Main_runs()
    {
        var (exitCode, stdout, stderr) = await RunHostAsync(withHook: true, WorkerArguments.Marker, WorkerArguments.EndpointOption, "/nonexistent/pool.sock", WorkerArguments.WorkerIdOption, "7", WorkerArguments.MaxFrameOption, "4096");

        Assert.Equal(WorkerExitCodes.NoSecret, exitCode);
        Assert.Contains("Offload worker 7: no valid secret on standard input", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task An_incomplete_worker_command_line_is_refused_before_Main_runs()
    {
        var (exitCode, stdout, stderr) = await RunHostAsync(withHook: true, WorkerArguments.Marker, WorkerArguments.WorkerIdOption, "7");

        Assert.Equal(WorkerExitCodes.BadArguments, exitCode);
        Assert.Contains("incomplete command line", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task The_startup_hook_does_nothing_in_a_process_that_is_not_a_worker()
    {
        // "shared" makes one call on WorkerPool.Shared and prints "ready": the app ran as itself, and its own workers started.
        var (exitCode, stdout, stderr) = await RunHostAsync(withHook: true, "shared");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal("ready", stdout.Trim());
    }

    [Fact]
    public async Task Worker_code_and_its_child_processes_do_not_see_Offloads_startup_hook()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });

        var seen = await Workloads.EnvironmentVariableAsync(pool, StartupHookVariable.Name);

        Assert.Null(seen[0]);
        Assert.Null(seen[1]);
    }

    [Fact]
    public void The_hook_comes_after_the_applications_own_hooks()
    {
        var appHook = Path.Combine(Path.GetTempPath(), "profiler.dll");
        var composed = StartupHookVariable.Compose(appHook);
        Assert.Equal(appHook + Path.PathSeparator + StartupHookVariable.OffloadHook, composed);
        Assert.Equal(StartupHookVariable.OffloadHook, StartupHookVariable.Compose(null));
    }

    [Fact]
    public async Task An_app_with_startup_hooks_turned_off_refuses_to_start_workers_and_never_runs_a_copy_of_itself()
    {
        // The test host with System.StartupHookProvider.IsSupported = false in its runtimeconfig, as
        // <StartupHookSupport>false</StartupHookSupport> makes it: a copy of it could only run its Main.
        var hostRuntimeConfig = Path.ChangeExtension(HostDll, ".runtimeconfig.json");
        var config = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(hostRuntimeConfig))!;
        config["runtimeOptions"]!["configProperties"] = new System.Text.Json.Nodes.JsonObject { ["System.StartupHookProvider.IsSupported"] = false };
        var runtimeConfig = Path.Combine(Directory.CreateTempSubdirectory("offload-nohooks-").FullName, "host.runtimeconfig.json");
        await File.WriteAllTextAsync(runtimeConfig, config.ToJsonString());
        try
        {
            var (_, output, _) = await TestHostProcess.RunAsync(["exec", "--runtimeconfig", runtimeConfig, "--depsfile", Path.ChangeExtension(HostDll, ".deps.json"), HostDll, "calls"]);

            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.All(lines, line => Assert.StartsWith("WorkerStartException: Startup hooks are turned off in this app", line, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(runtimeConfig)!, recursive: true);
        }
    }

    [Fact]
    public async Task Worker_code_does_not_see_the_runtime_settings_the_pool_made_for_workers()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, WorkerHeapHardLimitBytes = 1L << 30 });

        foreach (var name in new[] { "DOTNET_GCHeapHardLimit", "DOTNET_gcServer", "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS" })
        {
            var seen = await Workloads.EnvironmentVariableAsync(pool, name);
            Assert.Null(seen[0]);
            Assert.Null(seen[1]);
        }
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunHostAsync(bool withHook, params string[] arguments) =>
        TestHostProcess.RunAsync([HostDll, .. arguments], environment =>
        {
            if (withHook)
            {
                environment[StartupHookVariable.Name] = typeof(WorkerPool).Assembly.Location;
            }
        });
}
