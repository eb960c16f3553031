using System.Text.RegularExpressions;
using Offload.Apps.Tests.Infrastructure;

namespace Offload.Apps.Tests;

/// <summary>
/// The samples, run from their build output with output redirected (as in a CI log): they finish, exit 0, and print
/// their live progress as plain lines, then their results.
/// </summary>
public sealed partial class SampleTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Primes_quick_prints_a_progress_line_per_run_and_the_table_when_redirected()
    {
        var run = await RunSampleAsync("Primes", "--quick");

        Assert.True(run.ExitCode == 0, $"Primes --quick exited with {run.ExitCode}:\n{run.Tail()}");
        var lines = Lines(run.Output);

        // One line at least per run (the last of each says all its segments are done): the sequential run and
        // three segment counts for each pool.
        var progress = lines.Where(l => l.StartsWith("progress: ", StringComparison.Ordinal)).ToArray();
        Assert.True(progress.Length >= 4, $"Too few progress lines:\n{run.Tail()}");
        Assert.Contains(progress, l => ProgressLine().Match(l) is { Success: true } m && m.Groups["done"].Value == m.Groups["total"].Value && m.Groups["primes"].Value == "148,933");
        Assert.Contains(lines, l => l.StartsWith("| run ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("| sequential (in-process) ", StringComparison.Ordinal));
        Assert.Contains("All runs agree.", lines);
    }

    [Fact]
    public async Task Gallery_quick_prints_results_worker_logs_and_a_summary_when_redirected()
    {
        var run = await RunSampleAsync("Gallery", "--quick");

        Assert.True(run.ExitCode == 0, $"Gallery --quick exited with {run.ExitCode}:\n{run.Tail()}");
        var lines = Lines(run.Output);

        // A worker's log line, replayed here with the worker's id from the pool's scope.
        Assert.Contains(lines, l => WorkerLogLine().IsMatch(l));
        Assert.Equal(12, lines.Count(l => l.StartsWith("done: img-", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("progress: 128/128 tiles streamed back", StringComparison.Ordinal));
        Assert.Contains(lines, l => ThroughputLine().IsMatch(l));
        Assert.Contains(lines, l => l.StartsWith("Checks: the workers' results", StringComparison.Ordinal));
    }

    private static async Task<CommandResult> RunSampleAsync(string name, params string[] arguments)
    {
        var output = Path.Combine(Repository.Root, "samples", name, "bin", Repository.Configuration, "net10.0");
        var assembly = Path.Combine(output, name + ".dll");
        Assert.True(File.Exists(assembly), $"The sample is not built: {assembly}");
        return await Command.RunAsync(Command.Dotnet, ["exec", assembly, .. arguments], output, RunTimeout);
    }

    private static string[] Lines(string output) => output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    [GeneratedRegex(@"^progress: .+: (?<done>\d+)/(?<total>\d+) segments, \d+% of [\d,]+ checked, (?<primes>[\d,]+) primes so far, [\d.]+ s$")]
    private static partial Regex ProgressLine();

    [GeneratedRegex(@"^log: \[worker \d+\] info ImageWork: Analyzed img-\d{3} \(\d+x\d+\)")]
    private static partial Regex WorkerLogLine();

    [GeneratedRegex(@"^Throughput: [\d.]+ images/s, [\d.]+ MB/s with \d+ worker\(s\): [\d.]+x the rate of this process alone")]
    private static partial Regex ThroughputLine();
}
