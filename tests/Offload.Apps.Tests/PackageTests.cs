using System.IO.Compression;
using System.Xml.Linq;
using Offload.Apps.Tests.Infrastructure;

namespace Offload.Apps.Tests;

/// <summary>
/// The Offload package as <c>dotnet pack</c> makes it: one package with the runtime, the generator and analyzer, and
/// MemoryPack (with its own generator) as a dependency, so that a consumer adds nothing else.
/// </summary>
[Collection(PackageFeedCollection.Name)]
public sealed class PackageTests(PackageFeed feed)
{
    [Fact]
    public void The_package_holds_the_runtime_the_generator_and_the_build_files()
    {
        using var package = ZipFile.OpenRead(feed.Package);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("lib/net10.0/Offload.dll", entries);
        Assert.Contains("lib/net10.0/Offload.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/Offload.Generator.dll", entries);
        Assert.Contains("build/Offload.targets", entries);
        Assert.Contains("buildTransitive/Offload.targets", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.EndsWith("Offload.Generator.dll", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.ChangeExtension(feed.Package, ".snupkg")), "no symbols package");
    }

    [Fact]
    public void The_package_depends_on_MemoryPack_with_its_generator_and_on_nothing_of_its_own()
    {
        using var package = ZipFile.OpenRead(feed.Package);
        using var nuspecStream = package.GetEntry("Offload.nuspec")!.Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.NamespaceName;
        var metadata = nuspec.Root.Element(ns + "metadata")!;

        Assert.Equal("Offload", metadata.Element(ns + "id")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")!.Value));
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);

        var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, StringComparer.Ordinal);
        Assert.DoesNotContain("Offload.Generator", dependencies.Keys);

        // Without MemoryPack's analyzers the consumer's [MemoryPackable] types would get no serializer.
        var memoryPack = dependencies["MemoryPack"];
        Assert.Null(memoryPack.Attribute("exclude"));
    }

    [Fact]
    public async Task A_consumer_of_the_package_gets_the_diagnostics_and_the_companions()
    {
        var project = Path.Combine(feed.Root, "diagnostics");
        Directory.CreateDirectory(project);
        await File.WriteAllTextAsync(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Library</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Offload" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "Work.cs"), """
            using Offload;

            namespace Consumer;

            public partial class Work
            {
                [RunInWorkerProcess]
                public static int Square(int x) => x * x;

                [RunInWorkerProcess]
                public int NotStatic(int x) => x;

                public static Task<int> UsesTheCompanion() => SquareAsync(3);
            }
            """);

        var build = await Command.RunAsync(Command.Dotnet, ["build", "-c", "Release"], project, TimeSpan.FromMinutes(5));

        // The analyzer reports the instance method by id; the valid method's companion compiles (no CS0117/CS0103).
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error OFFLOAD0001", build.Output);
        Assert.DoesNotContain("CS0103", build.Output);
        Assert.DoesNotContain("CS0117", build.Output);
    }
}
