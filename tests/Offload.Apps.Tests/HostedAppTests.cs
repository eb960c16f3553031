using System.IO.Compression;
using System.Xml.Linq;
using Offload.Apps.Tests.Infrastructure;

namespace Offload.Apps.Tests;

/// <summary>
/// The Offload.Hosting package, and a generic-host app that consumes it alone (tests/Apps/HostedApp): Offload, its
/// generator and its build files come with it; options bind from appsettings.json (by the configuration binder's source
/// generator, so trimming keeps them); the host's start starts the workers and its stop leaves none behind.
/// </summary>
[Collection(PackageFeedCollection.Name)]
public sealed class HostedAppTests(PackageFeed feed)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void The_hosting_package_depends_on_Offload_of_its_version_with_nothing_excluded()
    {
        using var package = ZipFile.OpenRead(feed.HostingPackage);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("lib/net10.0/Offload.Hosting.dll", entries);
        Assert.Contains("lib/net10.0/Offload.Hosting.xml", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain("lib/net10.0/Offload.dll", entries);

        using var nuspecStream = package.GetEntry("Offload.Hosting.nuspec")!.Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.NamespaceName;
        var dependencies = nuspec.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, StringComparer.Ordinal);

        // An app that adds only this package needs Offload's generator and build files: nothing is held back (the
        // default would mark the dependency exclude="Build,Analyzers"; the apps below show what reaches them).
        var offload = dependencies["Offload"];
        Assert.Equal(feed.Version, offload.Attribute("version")!.Value);
        Assert.Null(offload.Attribute("exclude"));
        Assert.Contains("Microsoft.Extensions.Hosting.Abstractions", dependencies.Keys);
        Assert.Contains("Microsoft.Extensions.Diagnostics.HealthChecks", dependencies.Keys);
    }

    [Fact]
    public async Task A_hosted_app_runs_its_workers_from_its_build_output()
    {
        var app = feed.CopyApp("HostedApp", "hosted-build");
        var build = await Command.RunAsync(Command.Dotnet, ["build", "-c", "Release", $"-p:OffloadVersion={feed.Version}"], app, BuildTimeout);
        Assert.True(build.ExitCode == 0, $"dotnet build failed:\n{build.Tail()}");

        await AssertAllChecksPassAsync(Path.Combine(app, "bin", "Release", "net10.0", "HostedApp"), app);
    }

    [Fact]
    public async Task A_trimmed_hosted_app_binds_its_options_and_runs_its_workers()
    {
        var app = feed.CopyApp("HostedApp", "hosted-trimmed");
        var output = Path.Combine(app, "published");
        var publish = await Command.RunAsync(
            Command.Dotnet,
            ["publish", "-c", "Release", "-o", output, $"-p:OffloadVersion={feed.Version}", "-r", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier,
             "--self-contained", "-p:PublishTrimmed=true", "-p:TrimmerSingleWarn=false"],
            app,
            BuildTimeout);
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Tail()}");
        PublishedAppTests.AssertNoTrimWarningsFromOffloadOrTheApp(publish.Output);

        await AssertAllChecksPassAsync(Path.Combine(output, "HostedApp"), output);
    }

    private static async Task AssertAllChecksPassAsync(string program, string workingDirectory)
    {
        var run = await Command.RunAsync(program, [], workingDirectory, RunTimeout, bareEnvironment: true);
        Assert.True(
            run.ExitCode == 0 && run.Output.Contains("all checks passed", StringComparison.Ordinal),
            $"The hosted app failed (exit code {run.ExitCode}):\n{run.Tail()}");
    }
}
