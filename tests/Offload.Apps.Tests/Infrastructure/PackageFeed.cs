using System.Globalization;

namespace Offload.Apps.Tests.Infrastructure;

/// <summary>
/// The Offload and Offload.Hosting packages, packed once for the test run into a folder feed, with a version of their
/// own, and a place to copy test apps to that restores from that feed (and the machine's default source, for everything
/// else).
/// </summary>
/// <remarks>
/// The version is new on every run: NuGet caches a package by id and version for good, so a fixed one would hand the
/// apps whatever was packed first. That copy is deleted from the cache when the run ends.
/// </remarks>
public sealed class PackageFeed : IAsyncLifetime
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The package's version for this run.</summary>
    public string Version { get; } = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    /// <summary>The run's own folder: the feed and the apps' copies live under it.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("offload-apps-").FullName;

    /// <summary>The folder that holds the .nupkg.</summary>
    public string Folder => Path.Combine(Root, "feed");

    /// <summary>The .nupkg file.</summary>
    public string Package => Path.Combine(Folder, $"Offload.{Version}.nupkg");

    /// <summary>The Offload.Hosting .nupkg file, of the same version.</summary>
    public string HostingPackage => Path.Combine(Folder, $"Offload.Hosting.{Version}.nupkg");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);

        // From the build this test run already made (the test project references the runtime, so it is built first).
        var pack = await Command.RunAsync(
            Command.Dotnet,
            ["pack", Path.Combine(Repository.Root, "src", "Runtime", "Offload.csproj"), "-c", Repository.Configuration, "--no-build", "-o", Folder, $"-p:PackageVersion={Version}"],
            Repository.Root,
            PackTimeout);
        Assert.True(pack.ExitCode == 0 && File.Exists(Package), $"dotnet pack failed:\n{pack.Tail()}");
        var packHosting = await Command.RunAsync(
            Command.Dotnet,
            ["pack", Path.Combine(Repository.Root, "src", "Hosting", "Offload.Hosting.csproj"), "-c", Repository.Configuration, "--no-build", "-o", Folder, $"-p:PackageVersion={Version}"],
            Repository.Root,
            PackTimeout);
        Assert.True(packHosting.ExitCode == 0 && File.Exists(HostingPackage), $"dotnet pack of Offload.Hosting failed:\n{packHosting.Tail()}");

        // The feed folder only: the machine's default source stays (no <clear/>), for MemoryPack and the rest.
        await File.WriteAllTextAsync(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="offload-under-test" value="{Folder}" />
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>
    /// A fresh copy of the test app <paramref name="name"/> (under <c>tests/Apps</c>) in a folder of its own below
    /// <see cref="Root"/>, where it restores from this feed. Each copy builds on its own, so no two builds share obj/.
    /// </summary>
    public string CopyApp(string name, string copyName)
    {
        var source = Repository.App(name);
        var target = Path.Combine(Root, copyName);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal))
            {
                continue;
            }

            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        TryDelete(Root);

        // The restore put this version in the global packages folder; nothing will ever ask for it again.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        TryDelete(Path.Combine(packages, "offload", Version));
        TryDelete(Path.Combine(packages, "offload.hosting", Version));
        return Task.CompletedTask;
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover in the temp folder is harmless.
        }
    }
}

/// <summary>Tests that build apps against the packed package run one after another, sharing one pack.</summary>
[CollectionDefinition(Name)]
public sealed class PackageFeedCollection : ICollectionFixture<PackageFeed>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "package feed";
}
