using System.Globalization;

namespace Offload.Parent;

/// <summary>How a worker process ended, as far as the parent could tell, and how a report puts it into words.</summary>
/// <param name="ExitCode">The exit code, or <see langword="null"/> when the process did not exit (it was killed and not reaped in time).</param>
/// <param name="Signal">The signal that ended it (Unix: an exit code of 128 + N), or <see langword="null"/>.</param>
/// <param name="StandardErrorTail">The last lines it wrote to standard error.</param>
internal readonly record struct WorkerExit(int? ExitCode, int? Signal, string[] StandardErrorTail)
{
    /// <summary>The exit of a process that exited with <paramref name="exitCode"/>, or did not (null).</summary>
    public static WorkerExit From(int? exitCode, string[] standardErrorTail) =>
        new(exitCode, !OperatingSystem.IsWindows() && exitCode is > 128 and < 128 + 65 ? exitCode - 128 : null, standardErrorTail);

    /// <summary>"exit code 137 (signal 9, SIGKILL)", or "it did not exit and was killed".</summary>
    public string Describe() => ExitCode switch
    {
        null => "it did not exit and was killed",
        _ when Signal is { } s => string.Create(CultureInfo.InvariantCulture, $"exit code {ExitCode} (signal {s}{SignalName(s)})"),
        _ => string.Create(CultureInfo.InvariantCulture, $"exit code {ExitCode}"),
    };

    /// <summary>The standard error tail as a sentence to append to a message, or nothing when there is none.</summary>
    public string FormatTail() =>
        StandardErrorTail.Length == 0 ? "" : " Last lines of its standard error:" + Environment.NewLine + string.Join(Environment.NewLine, StandardErrorTail);

    private static string SignalName(int signal) => signal switch
    {
        2 => ", SIGINT",
        4 => ", SIGILL",
        6 => ", SIGABRT",
        7 => ", SIGBUS",
        9 => ", SIGKILL",
        11 => ", SIGSEGV",
        15 => ", SIGTERM",
        _ => "",
    };
}
