using System.Diagnostics;
using System.Text;

namespace Offload.Apps.Tests.Infrastructure;

/// <summary>What a finished command printed, and how it ended.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Output">Standard output and standard error, interleaved as they came.</param>
internal sealed record CommandResult(int ExitCode, string Output)
{
    /// <summary>The last lines of the output, for failure messages.</summary>
    public string Tail(int lines = 60) => string.Join('\n', Output.Split('\n').TakeLast(lines));
}

/// <summary>Runs a program to completion with a deadline, capturing its output.</summary>
internal static class Command
{
    /// <summary>The dotnet host that runs this test process: the same SDK builds and runs the apps.</summary>
    public static string Dotnet { get; } = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
        ? path
        : Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "dotnet");

    /// <summary>
    /// Runs <paramref name="program"/> in <paramref name="workingDirectory"/>. With <paramref name="bareEnvironment"/>
    /// it starts with nothing but <c>HOME</c>, <c>DOTNET_ROOT</c> if set, and an empty <c>PATH</c>: as on a machine
    /// where .NET is not installed (for a self-contained app) or at least not on <c>PATH</c>.
    /// </summary>
    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, bool bareEnvironment = false)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (bareEnvironment)
        {
            // HOME, and where .NET is installed when it is not in the default place (how an app's own executable finds
            // the runtime on a machine that installs it per user): nothing that names a dotnet to run.
            var kept = info.Environment.Where(e => e.Key is "HOME" || e.Key.StartsWith("DOTNET_ROOT", StringComparison.Ordinal)).ToArray();
            info.Environment.Clear();
            info.Environment["PATH"] = "";
            foreach (var (key, value) in kept)
            {
                info.Environment[key] = value;
            }
        }
        else
        {
            // Builds run from a test host: keep the SDK's own settings of this process (an MSBuild node it reuses,
            // say) out of them.
            info.Environment.Remove("MSBuildExtensionsPath");
            info.Environment.Remove("MSBuildSDKsPath");
            info.Environment.Remove("MSBUILD_EXE_PATH");
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            info.Environment["DOTNET_NOLOGO"] = "1";
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {timeout.TotalMinutes:0.#} min:\n{Tail(output.ToString())}");
        }

        // Events for the last lines can arrive after the exit: WaitForExit() (no timeout) waits for end of output.
        process.WaitForExit();
        lock (output)
        {
            return new CommandResult(process.ExitCode, output.ToString());
        }

        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Append(line).Append('\n');
            }
        }
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(60));
}
