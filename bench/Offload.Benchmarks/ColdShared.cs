using System.Diagnostics;
using System.Globalization;

namespace Offload.Benchmarks;

/// <summary>
/// The first call on <see cref="WorkerPool.Shared"/> as a new application meets it: this program started again with
/// <see cref="ChildOption"/> times its very first <c>Workloads.EchoAsync(1)</c> (no pool passed, nothing warmed up)
/// and prints the milliseconds.
/// </summary>
internal static class ColdShared
{
    public const string ChildOption = "--cold-shared-child";

    public static async Task<int> RunChildAsync()
    {
        var clock = Stopwatch.StartNew();
        var result = await Workloads.EchoAsync(1);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (result != 1)
        {
            Console.Error.WriteLine($"EchoAsync(1) returned {result}.");
            return 1;
        }

        Console.WriteLine(elapsed.ToString("R", CultureInfo.InvariantCulture));
        await WorkerPool.Shared.DisposeAsync();
        return 0;
    }

    /// <summary>Runs the child once; returns the time of its first call in ms.</summary>
    public static async Task<double> MeasureInChildAsync()
    {
        var info = ChildProcesses.StartInfo(workerGcSettings: false, ChildOption);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("The cold-start child could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var output = (await stdout).Trim();
        if (process.ExitCode != 0 || !double.TryParse(output.Split('\n')[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
        {
            throw new InvalidOperationException($"The cold-start child failed (exit {process.ExitCode}): {output} {(await stderr).Trim()}");
        }

        return ms;
    }
}
