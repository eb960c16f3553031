using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Offload.Workers;

/// <summary>
/// Builds the command line of a worker: the application's own <c>dotnet</c> host, runtimeconfig.json and deps.json,
/// with Offload.dll as the program. The worker so resolves every assembly exactly as the application does, in a
/// console app, a test host or a published folder, without any change to the application's <c>Main</c>.
/// </summary>
internal sealed class WorkerLauncher
{
    private readonly string _dotnetHost;
    private readonly string? _runtimeConfig;
    private readonly string? _depsFile;
    private readonly string _hostAssembly;

    private WorkerLauncher(string dotnetHost, string? runtimeConfig, string? depsFile, string hostAssembly)
    {
        _dotnetHost = dotnetHost;
        _runtimeConfig = runtimeConfig;
        _depsFile = depsFile;
        _hostAssembly = hostAssembly;
    }

    public static WorkerLauncher ForCurrentApplication()
    {
        var hostAssembly = typeof(WorkerLauncher).Assembly.Location;
        if (string.IsNullOrEmpty(hostAssembly))
        {
            throw new WorkerStartException("Offload.dll has no file location (single-file or in-memory app); workers need it on disk.");
        }

        // The host lists the application's deps.json first, then each framework's, separated by ';' on every OS (not
        // Path.PathSeparator, which is ':' on Unix and would leave one long path that names no file).
        var depsFile = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(File.Exists);

        var runtimeConfig = depsFile is not null && depsFile.EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase)
            ? depsFile[..^".deps.json".Length] + ".runtimeconfig.json"
            : null;
        if (runtimeConfig is not null && !File.Exists(runtimeConfig))
        {
            // Without one, the host uses the runtimeconfig.json next to the worker host.
            runtimeConfig = null;
        }

        return new WorkerLauncher(FindDotnetHost(), runtimeConfig, depsFile, hostAssembly);
    }

    public ProcessStartInfo CreateStartInfo(int workerId, string socketPath, WorkerPoolOptions options)
    {
        var info = new ProcessStartInfo(_dotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        info.ArgumentList.Add("exec");
        if (_runtimeConfig is not null)
        {
            info.ArgumentList.Add("--runtimeconfig");
            info.ArgumentList.Add(_runtimeConfig);
        }
        if (_depsFile is not null)
        {
            info.ArgumentList.Add("--depsfile");
            info.ArgumentList.Add(_depsFile);
        }

        info.ArgumentList.Add(_hostAssembly);
        info.ArgumentList.Add(WorkerArguments.Marker);
        info.ArgumentList.Add(WorkerArguments.EndpointOption);
        info.ArgumentList.Add(socketPath);
        info.ArgumentList.Add(WorkerArguments.WorkerIdOption);
        info.ArgumentList.Add(workerId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(WorkerArguments.MaxFrameOption);
        info.ArgumentList.Add(options.MaxFrameBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (options.WorkerMemoryLimitBytes is { } memoryLimit)
        {
            info.ArgumentList.Add(WorkerArguments.MemoryLimitOption);
            info.ArgumentList.Add(memoryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // Workers run one call at a time: the non-concurrent workstation GC needs no background GC thread and keeps
        // an idle worker small. Anything the user sets wins.
        info.Environment.TryAdd("DOTNET_gcServer", "0");
        info.Environment.TryAdd("DOTNET_gcConcurrent", "0");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        // A worker has one socket and one reader: running its completions on the socket engine's own thread, instead
        // of queueing each to the thread pool, takes a thread hop off every call. The read loop only queues work.
        info.Environment.TryAdd("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        if (options.WorkerHeapHardLimitBytes is { } heapLimit)
        {
            // The runtime reads it as hexadecimal. A hard limit makes running out of memory an exception in the call
            // that asked for too much, instead of the kernel's OOM killer picking a process, maybe not the worker.
            info.Environment["DOTNET_GCHeapHardLimit"] = "0x" + heapLimit.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in options.EnvironmentVariables)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private static string FindDotnetHost()
    {
        var exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } processPath &&
            string.Equals(Path.GetFileName(processPath), exe, StringComparison.OrdinalIgnoreCase))
        {
            return processPath;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        var candidate = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", "..", exe));
        return File.Exists(candidate) ? candidate : exe;
    }
}
