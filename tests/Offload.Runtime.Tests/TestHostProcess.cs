using System.Diagnostics;

namespace Offload.Runtime.Tests;

/// <summary>Runs tests/Offload.TestHost (from its own build output) to completion and captures what it printed.</summary>
internal static class TestHostProcess
{
    /// <summary>The test host's assembly.</summary>
    public static string Dll { get; } = RepositoryPaths.BuildOutput(Path.Combine("tests", "Offload.TestHost"), "Offload.TestHost");

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> (which name <see cref="Dll"/> somewhere), with standard input
    /// closed and the environment changed by <paramref name="environment"/>; waits at most a minute.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] arguments, Action<IDictionary<string, string?>>? environment = null)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        environment?.Invoke(info.Environment);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }
}
