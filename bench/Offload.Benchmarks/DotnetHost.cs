using System.Runtime.InteropServices;

namespace Offload.Benchmarks;

/// <summary>
/// The <c>dotnet</c> host running this process, found as Offload's launcher finds it. A file of its own, with no other
/// dependency, so that the benchmark's smoke test compiles the same one in.
/// </summary>
internal static class DotnetHost
{
    public static string Find()
    {
        var exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } processPath && string.Equals(Path.GetFileName(processPath), exe, StringComparison.OrdinalIgnoreCase))
        {
            return processPath;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        var candidate = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", exe));
        return File.Exists(candidate) ? candidate : exe;
    }
}
