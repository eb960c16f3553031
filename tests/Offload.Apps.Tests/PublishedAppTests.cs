using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Offload.Apps.Tests.Infrastructure;

namespace Offload.Apps.Tests;

/// <summary>
/// A console app that consumes the Offload package (tests/Apps/ConsoleApp), published every way .NET apps ship and run
/// with an empty <c>PATH</c>: its workers call a NuGet package, pass user types and collections, run a map, throw, and
/// crash, and they are the app itself. The app prints one line per check and exits 0 only when all pass.
/// </summary>
[Collection(PackageFeedCollection.Name)]
public sealed partial class PublishedAppTests(PackageFeed feed)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    public static TheoryData<string> Modes => ["framework-dependent", "self-contained", "single-file", "trimmed", "native-aot"];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_published_app_runs_its_workers_with_no_dotnet_on_PATH(string mode)
    {
        var app = feed.CopyApp("ConsoleApp", "console-" + mode);
        var output = Path.Combine(app, "published");
        var publish = await Command.RunAsync(Command.Dotnet, ["publish", "-c", "Release", "-o", output, $"-p:OffloadVersion={feed.Version}", .. PublishArguments(mode)], app, PublishTimeout);
        Assert.True(publish.ExitCode == 0, $"dotnet publish ({mode}) failed:\n{publish.Tail()}");
        AssertNoTrimWarningsFromOffloadOrTheApp(publish.Output);

        var executable = Path.Combine(output, "ConsoleApp");
        switch (mode)
        {
            case "single-file":
                Assert.False(File.Exists(Path.Combine(output, "Offload.dll")), "a single-file app has no Offload.dll beside it");
                break;
            case "native-aot":
                Assert.Empty(Directory.GetFiles(output, "*.dll"));
                break;
        }

        await AssertAllChecksPassAsync(executable, [], app, mode);
        if (mode == "framework-dependent")
        {
            // The same app started through the dotnet host rather than its own executable.
            await AssertAllChecksPassAsync(Command.Dotnet, [Path.Combine(output, "ConsoleApp.dll")], app, mode + " (dotnet ConsoleApp.dll)");
        }
    }

    [Fact]
    public async Task An_app_runs_its_workers_from_its_build_output()
    {
        var app = feed.CopyApp("ConsoleApp", "console-build");
        var build = await Command.RunAsync(Command.Dotnet, ["build", "-c", "Release", $"-p:OffloadVersion={feed.Version}"], app, PublishTimeout);
        Assert.True(build.ExitCode == 0, $"dotnet build failed:\n{build.Tail()}");

        var output = Path.Combine(app, "bin", "Release", "net10.0");
        await AssertAllChecksPassAsync(Path.Combine(output, "ConsoleApp"), [], app, "build output");
        await AssertAllChecksPassAsync(Command.Dotnet, [Path.Combine(output, "ConsoleApp.dll")], app, "build output (dotnet ConsoleApp.dll)");
    }

    /// <summary>
    /// No trim or AOT warning may come from Offload or from the code generated into the app. Warnings are listed one by
    /// one (TrimmerSingleWarn=false), each starting with the member it comes from; MemoryPack's own are not ours.
    /// </summary>
    internal static void AssertNoTrimWarningsFromOffloadOrTheApp(string output)
    {
        var ours = TrimWarning().Matches(output)
            .Select(match => match.Groups["origin"].Value.Trim())
            .Where(origin => origin.StartsWith("Offload", StringComparison.Ordinal) || origin.StartsWith("ConsoleApp", StringComparison.Ordinal)
                || origin.StartsWith("HostedApp", StringComparison.Ordinal) || origin.StartsWith("Microsoft.Extensions.DependencyInjection.Offload", StringComparison.Ordinal)
                || origin.Contains("__Offload", StringComparison.Ordinal) || origin.Contains("StartupHookProvider", StringComparison.Ordinal))
            .Distinct()
            .ToArray();
        Assert.True(ours.Length == 0, "Trim or AOT warnings from Offload or its generated code:\n" + string.Join('\n', ours));
    }

    private static string[] PublishArguments(string mode)
    {
        var runtime = RuntimeInformation.RuntimeIdentifier;
        return mode switch
        {
            "framework-dependent" => [],
            "self-contained" => ["-r", runtime, "--self-contained"],
            "single-file" => ["-r", runtime, "--self-contained", "-p:PublishSingleFile=true"],
            "trimmed" => ["-r", runtime, "--self-contained", "-p:PublishTrimmed=true", "-p:TrimmerSingleWarn=false"],
            "native-aot" => ["-r", runtime, "-p:PublishAot=true", "-p:TrimmerSingleWarn=false"],
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
        };
    }

    private static async Task AssertAllChecksPassAsync(string program, string[] arguments, string workingDirectory, string what)
    {
        var run = await Command.RunAsync(program, arguments, workingDirectory, RunTimeout, bareEnvironment: true);
        Assert.True(
            run.ExitCode == 0 && run.Output.Contains("all checks passed", StringComparison.Ordinal),
            $"The {what} app failed (exit code {run.ExitCode}):\n{run.Tail()}");
    }

    [GeneratedRegex(@"warning (IL[23]\d{3}): (?<origin>[^:\r\n]+):")]
    private static partial Regex TrimWarning();
}
