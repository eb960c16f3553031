using System.Diagnostics;

namespace Offload.Benchmarks;

/// <summary>
/// Starts this benchmark program again as a child (an echo peer, a plain child, a cold process), the way Offload
/// starts its workers: <c>dotnet exec</c> with the same runtime, and the same GC settings the worker launcher sets.
/// </summary>
internal static class ChildProcesses
{
    private static readonly Lazy<string> Host = new(Offload.Benchmarks.DotnetHost.Find);

    public static ProcessStartInfo StartInfo(params string[] arguments) => StartInfo(workerGcSettings: true, arguments);

    /// <summary>A plain child (see <see cref="PlainChildren"/>) connecting to <paramref name="socketPath"/>.</summary>
    public static ProcessStartInfo PlainChild(string socketPath) => StartInfo(PlainChildren.ChildOption, socketPath);

    /// <param name="workerGcSettings">Whether to set the GC environment a worker gets (not for a child that plays an application).</param>
    /// <param name="arguments">The child's command line after the program.</param>
    public static ProcessStartInfo StartInfo(bool workerGcSettings, params string[] arguments)
    {
        var info = new ProcessStartInfo(Host.Value) { UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(ChildProcesses).Assembly.Location);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (workerGcSettings)
        {
            // What WorkerLauncher sets for every worker: no server GC, no background GC thread.
            info.Environment["DOTNET_gcServer"] = "0";
            info.Environment["DOTNET_gcConcurrent"] = "0";
        }

        return info;
    }
}
