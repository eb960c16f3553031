using Offload.Apps.Tests.Infrastructure;

namespace Offload.Apps.Tests;

/// <summary>
/// An ASP.NET Core app (tests/Apps/WebApp) that consumes the Offload package: an endpoint's work runs in a worker that
/// calls the ASP.NET Core shared framework. In --self-test mode the app listens on a free loopback port, calls its own
/// endpoint and exits 0 when the answer is right; a worker that ran its Main would start a second web server.
/// </summary>
[Collection(PackageFeedCollection.Name)]
public sealed class WebAppTests(PackageFeed feed)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Workers_of_a_web_app_load_the_ASP_NET_Core_shared_framework_from_build_output()
    {
        var app = feed.CopyApp("WebApp", "web-build");
        var build = await Command.RunAsync(Command.Dotnet, ["build", "-c", "Release", $"-p:OffloadVersion={feed.Version}"], app, BuildTimeout);
        Assert.True(build.ExitCode == 0, $"dotnet build failed:\n{build.Tail()}");

        var output = Path.Combine(app, "bin", "Release", "net10.0");
        await AssertSelfTestPassesAsync(Path.Combine(output, "WebApp"), [], app);
        await AssertSelfTestPassesAsync(Command.Dotnet, [Path.Combine(output, "WebApp.dll")], app);
    }

    [Fact]
    public async Task Workers_of_a_published_web_app_load_the_ASP_NET_Core_shared_framework()
    {
        var app = feed.CopyApp("WebApp", "web-publish");
        var output = Path.Combine(app, "published");
        var publish = await Command.RunAsync(Command.Dotnet, ["publish", "-c", "Release", "-o", output, $"-p:OffloadVersion={feed.Version}"], app, BuildTimeout);
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Tail()}");

        await AssertSelfTestPassesAsync(Path.Combine(output, "WebApp"), [], output);
    }

    private static async Task AssertSelfTestPassesAsync(string program, string[] arguments, string workingDirectory)
    {
        var run = await Command.RunAsync(program, [.. arguments, "--self-test"], workingDirectory, RunTimeout, bareEnvironment: true);
        Assert.True(
            run.ExitCode == 0 && run.Output.Contains("all checks passed", StringComparison.Ordinal),
            $"The web app's self-test failed (exit code {run.ExitCode}):\n{run.Tail()}");
    }
}
