using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Offload.Benchmarks.Tests;

/// <summary>
/// Runs the benchmark with --smoke (tiny sizes) as a child process and checks only that it completes and reports in
/// the expected shape: the numbers of a smoke run on a shared test machine mean nothing.
/// </summary>
public sealed partial class BenchmarkSmokeTests
{
    /// <summary>One row per goal of the performance issue, in this order.</summary>
    private static readonly string[] GoalIds = ["1a", "1b", "2a", "2b", "2c", "2d", "3", "4a", "4b", "4c", "4d", "5a", "5b", "6a", "6b", "6c", "7a", "7b", "7c"];

    private static readonly string[] GoalColumns = ["goal", "section", "metric", "Offload", "baseline", "unit", "ratio", "target", "result"];

    // The app-kinds section publishes the start-up probe as NativeAOT: a minute or more on a busy 2-core machine.
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task SmokeRun_CompletesAndPrintsAGoalsTableWithARowPerGoal_AndWritesItsFiles()
    {
        var output = Directory.CreateTempSubdirectory("offload-bench-smoke-");
        try
        {
            var (exitCode, stdout, stderr) = await RunBenchmarkAsync("--smoke", "--out", output.FullName);
            Assert.True(exitCode == 0, $"The benchmark exited with {exitCode}.\nstderr:\n{stderr}\nstdout (end):\n{Tail(stdout)}");

            var rows = ReadGoalsTable(stdout);
            Assert.Equal(GoalIds, rows.Select(r => r[0]));
            foreach (var row in rows)
            {
                var result = row[^1];
                Assert.True(result is "pass" or "fail" or "info" || result.StartsWith("n/a", StringComparison.Ordinal), $"Goal {row[0]}: unexpected result '{result}'.");
                Assert.False(string.IsNullOrWhiteSpace(row[2]), $"Goal {row[0]} has no metric.");
                Assert.False(string.IsNullOrWhiteSpace(row[7]), $"Goal {row[0]} has no target.");
            }

            // Every section of the default run measured something: every goal has Offload's number.
            Assert.All(rows, r => Assert.NotEqual("—", r[3]));

            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, "latest.json")));
            var goals = json.RootElement.GetProperty("goals");
            Assert.Equal(GoalIds, goals.EnumerateArray().Select(g => g.GetProperty("id").GetString()));
            Assert.True(json.RootElement.GetProperty("rows").GetArrayLength() > 20);
            Assert.Equal("smoke", json.RootElement.GetProperty("environment").GetProperty("mode").GetString());

            Assert.Equal(rows.Count, ReadGoalsTable(await File.ReadAllTextAsync(Path.Combine(output.FullName, "latest.md"))).Count);
            foreach (var plot in new[] { "speedup.png", "latency.png" })
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(output.FullName, plot));
                Assert.True(bytes.Length > 1000 && bytes.AsSpan(1, 3).SequenceEqual("PNG"u8), $"{plot} is not a PNG image.");
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task UnknownSection_IsRefusedWithExitCode2()
    {
        var (exitCode, _, stderr) = await RunBenchmarkAsync("--only", "nonsense");
        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown section", stderr, StringComparison.Ordinal);
    }

    /// <summary>The rows of the Markdown goals table (cells trimmed), after checking its header and separator.</summary>
    private static List<string[]> ReadGoalsTable(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var header = Array.FindIndex(lines, l => l.StartsWith("| goal |", StringComparison.Ordinal));
        Assert.True(header >= 0, $"No goals table in:\n{Tail(text)}");
        Assert.Equal(GoalColumns, Cells(lines[header]));
        var separator = Cells(lines[header + 1]);
        Assert.Equal(GoalColumns.Length, separator.Length);
        Assert.All(separator, cell => Assert.Matches("^-{3,}:?$", cell));

        List<string[]> rows = [];
        for (var i = header + 2; i < lines.Length && lines[i].StartsWith('|'); i++)
        {
            var cells = Cells(lines[i]);
            Assert.True(cells.Length == GoalColumns.Length, $"Malformed row ({cells.Length} cells): {lines[i]}");
            rows.Add(cells);
        }

        return rows;
    }

    /// <summary>The cells of a Markdown table row; "\|" inside a cell is not a separator.</summary>
    private static string[] Cells(string line)
    {
        Assert.True(line.Length > 2 && line[0] == '|' && line[^1] == '|', $"Not a table row: {line}");
        return CellSeparator().Split(line[1..^1]).Select(c => c.Trim()).ToArray();
    }

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellSeparator();

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunBenchmarkAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(Offload.Benchmarks.DotnetHost.Find())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(BenchmarkAssembly());
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("The benchmark could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(RunLimit);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The benchmark did not finish within {RunLimit.TotalMinutes} minutes.\nstdout (end):\n{Tail(await stdout)}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Offload.Benchmarks.dll in the bench project's own output, same configuration as this test assembly.</summary>
    private static string BenchmarkAssembly()
    {
        var configuration = typeof(BenchmarkSmokeTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Offload.sln")))
            {
                var path = Path.Combine(directory.FullName, "bench", "Offload.Benchmarks", "bin", configuration, "net10.0", "Offload.Benchmarks.dll");
                Assert.True(File.Exists(path), $"The benchmark is not built: {path}");
                return path;
            }
        }

        throw new InvalidOperationException("Offload.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
