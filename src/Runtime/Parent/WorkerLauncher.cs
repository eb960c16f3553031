using Microsoft.Extensions.Logging;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Offload.Protocol;
using Offload.Worker;

namespace Offload.Parent;

/// <summary>
/// Builds the command line of a worker: the application itself, started again with <see cref="WorkerArguments.Marker"/>
/// first on its command line, so that a worker loads exactly what the application loads (its NuGet packages, shared
/// frameworks, trimmed or NativeAOT image) and needs nothing else on disk or on <c>PATH</c>. The worker takes over
/// before the application's <c>Main</c> (see <see cref="WorkerEntry"/>).
/// </summary>
/// <remarks>
/// Which executable: the one this process runs as (an apphost, a self-contained or single-file executable, a NativeAOT
/// binary) — unless that is the <c>dotnet</c> muxer (<c>dotnet app.dll</c>, a test host under <c>dotnet test</c>), in
/// which case the worker is <c>dotnet exec</c> of the entry assembly with the same runtimeconfig.json, deps.json and
/// probing paths as this process.
/// </remarks>
internal sealed class WorkerLauncher
{
    private readonly string _executable;
    private readonly string[] _leadingArguments;

    private WorkerLauncher(string executable, string[] leadingArguments)
    {
        _executable = executable;
        _leadingArguments = leadingArguments;
    }

    /// <summary>How workers start, in words (logged once per pool).</summary>
    public string Description => $"{_executable} {string.Join(' ', _leadingArguments)}".TrimEnd() +
        (NativeAot.IsRunning ? " (NativeAOT: enters through the generated module initializer)" : " (enters through Offload's startup hook)");

    /// <summary>Works out how to start this application again as a worker; throws <see cref="WorkerStartException"/> if it cannot be.</summary>
    // The startup hook is found by name at run time: keep it in trimmed apps.
    [DynamicDependency(nameof(StartupHook.Initialize), typeof(StartupHook))]
    public static WorkerLauncher ForCurrentApplication()
    {
        var processPath = Environment.ProcessPath
            ?? throw new WorkerStartException("This process's executable is unknown (Environment.ProcessPath is null): workers are started as copies of it.") { IsPermanent = true };

        // NativeAOT has no startup hooks; it runs every module initializer before Main, and the generator adds one.
        if (!NativeAot.IsRunning && AppContext.TryGetSwitch("System.StartupHookProvider.IsSupported", out var hooksSupported) && !hooksSupported)
        {
            throw new WorkerStartException(
                "Startup hooks are turned off in this app (StartupHookSupport=false), and workers of an app that runs on " +
                "CoreCLR enter through Offload's startup hook before Main. Remove <StartupHookSupport>false</StartupHookSupport>, " +
                "or publish the app with NativeAOT.")
            { IsPermanent = true };
        }

        // The hook variable goes to every worker: a NativeAOT worker ignores it, and a CoreCLR one must never miss it.
        return new WorkerLauncher(processPath, IsMuxer(processPath) ? MuxerArguments() : []);
    }

    /// <summary>The worker's large-object threshold, hexadecimal as the runtime reads it: 8 MiB.</summary>
    internal const string WorkerLargeObjectThreshold = "800000";

    public ProcessStartInfo CreateStartInfo(int workerId, string socketPath, WorkerPoolOptions options, SharedMemorySettings? sharedMemory = null)
    {
        var info = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        foreach (var argument in _leadingArguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add(WorkerArguments.Marker);
        info.ArgumentList.Add(WorkerArguments.EndpointOption);
        info.ArgumentList.Add(socketPath);
        info.ArgumentList.Add(WorkerArguments.WorkerIdOption);
        info.ArgumentList.Add(workerId.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(WorkerArguments.MaxFrameOption);
        info.ArgumentList.Add(options.MaxFrameBytes.ToString(CultureInfo.InvariantCulture));
        if (options.LoggerFactory is not null && options.WorkerLogLevel != LogLevel.None)
        {
            info.ArgumentList.Add(WorkerArguments.LogLevelOption);
            info.ArgumentList.Add(((int)options.WorkerLogLevel).ToString(CultureInfo.InvariantCulture));
        }

        if (sharedMemory is not null)
        {
            info.ArgumentList.Add(WorkerArguments.SharedMemoryOption);
            info.ArgumentList.Add(sharedMemory.Format());
        }

        if (options.StreamWindow != ProtocolConstants.DefaultStreamWindow)
        {
            info.ArgumentList.Add(WorkerArguments.StreamWindowOption);
            info.ArgumentList.Add(options.StreamWindow.ToString(CultureInfo.InvariantCulture));
        }

        if (options.WorkerMemoryLimitBytes is { } memoryLimit)
        {
            info.ArgumentList.Add(WorkerArguments.MemoryLimitOption);
            info.ArgumentList.Add(memoryLimit.ToString(CultureInfo.InvariantCulture));
        }

        // The runtime settings below are for the worker alone: the worker takes out again those that were not in the
        // environment it would otherwise have inherited, so that processes its code starts do not get them (a heap
        // hard limit could starve such a child). Anything the user sets, in the options or the environment, wins.
        List<string> added = [];
        void AddForWorker(string name, string value)
        {
            if (info.Environment.TryAdd(name, value))
            {
                added.Add(name);
            }
        }

        // Workers run one call at a time: the non-concurrent workstation GC needs no background GC thread and keeps
        // an idle worker small.
        AddForWorker("DOTNET_gcServer", "0");
        AddForWorker("DOTNET_gcConcurrent", "0");

        // A worker's arguments and results are transient: a 1 MiB array read for one call is garbage after it. On the
        // large object heap each such array costs a blocking gen2 collection every few calls and fresh pages to fault
        // in (a 1 MiB echo ran at 390 MiB/s); in gen0 (objects up to 8 MiB) its memory is reused at once (1,020 MiB/s).
        AddForWorker("DOTNET_GCLOHThreshold", WorkerLargeObjectThreshold);

        // A worker has one socket and one reader: running its completions on the socket engine's own thread, instead
        // of queueing each to the thread pool, takes a thread hop off every call. The read loop only queues work.
        AddForWorker("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        if (options.WorkerHeapHardLimitBytes is { } heapLimit)
        {
            // The runtime reads it as hexadecimal. A hard limit makes running out of memory an exception in the call
            // that asked for too much, instead of the kernel's OOM killer picking a process, maybe not the worker.
            info.Environment.Remove("DOTNET_GCHeapHardLimit");
            AddForWorker("DOTNET_GCHeapHardLimit", "0x" + heapLimit.ToString("x", CultureInfo.InvariantCulture));
        }

        foreach (var (key, value) in options.EnvironmentVariables)
        {
            info.Environment[key] = value;
            added.Remove(key);
        }

        // Last, and added to whatever hooks the app or the options name: without it a CoreCLR worker would run Main.
        // (A NativeAOT worker ignores it.) The worker takes Offload's hook out again itself.
        info.Environment.TryGetValue(StartupHookVariable.Name, out var hooks);
        info.Environment[StartupHookVariable.Name] = StartupHookVariable.Compose(hooks);

        if (added.Count > 0)
        {
            info.ArgumentList.Add(WorkerArguments.RemoveEnvironmentOption);
            info.ArgumentList.Add(string.Join(',', added));
        }

        return info;
    }

    private static bool IsMuxer(string processPath) =>
        string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>exec</c> of the entry assembly with this process's runtimeconfig.json, deps.json and probing paths, which a
    /// test host, say, gets on its own command line from <c>dotnet test</c> rather than from files next to it.
    /// </summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000:Avoid accessing Assembly file path when publishing as a single file",
        Justification = "Only under the dotnet muxer, which never runs single-file apps; an empty location is reported as an error.")]
    private static string[] MuxerArguments()
    {
        var entry = Assembly.GetEntryAssembly();
        if (entry is null || string.IsNullOrEmpty(entry.Location))
        {
            throw new WorkerStartException("This process runs under the dotnet host but its entry assembly has no file, so it cannot be started again as a worker.") { IsPermanent = true };
        }

        List<string> arguments = ["exec"];

        // The host lists the application's deps.json first, then each framework's, separated by ';' on every OS (not
        // Path.PathSeparator, which is ':' on Unix and would leave one long path that names no file). The first is the
        // app's even when the app has none (it is then not on disk): a framework's must never stand in for it.
        var depsFile = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault();
        depsFile = depsFile is not null && File.Exists(depsFile) ? depsFile : null;
        if (depsFile is not null && depsFile.EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase))
        {
            var runtimeConfig = depsFile[..^".deps.json".Length] + ".runtimeconfig.json";
            if (File.Exists(runtimeConfig))
            {
                arguments.AddRange(["--runtimeconfig", runtimeConfig]);
            }

            arguments.AddRange(["--depsfile", depsFile]);
        }

        // Probing paths beyond the app's own folder (dotnet test passes the NuGet cache this way).
        var appDirectory = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        foreach (var probe in (AppContext.GetData("PROBING_DIRECTORIES") as string ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!string.Equals(Path.TrimEndingDirectorySeparator(probe), appDirectory, StringComparison.Ordinal) && Directory.Exists(probe))
            {
                arguments.AddRange(["--additionalprobingpath", probe]);
            }
        }

        arguments.Add(entry.Location);
        return [.. arguments];
    }
}
