namespace Offload.Runtime.Tests;

/// <summary>
/// Workers start as the application: they resolve NuGet packages and shared frameworks (ASP.NET Core) exactly as the
/// application does, here from <c>dotnet test</c> output (the published apps are covered by Offload.Apps.Tests).
/// </summary>
[Collection(SharedPoolCollection.Name)]
public sealed class WorkerLauncherTests(PoolFixture fixture)
{
    private readonly WorkerPool _pool = fixture.Pool;

    [Fact]
    public async Task Worker_code_can_call_NuGet_packages()
    {
        Assert.Equal("[1,2]", await DependencyWorkloads.PickWithNewtonsoftAsync(_pool, """{"a":[1,2],"b":3}""", "a"));
        Assert.Equal(DependencyWorkloads.Crc32Of("offload"), await DependencyWorkloads.Crc32OfAsync(_pool, "offload"));
    }

    [Fact]
    public async Task Worker_code_can_call_the_ASP_NET_Core_shared_framework()
    {
        Assert.Equal(["a=1", "b=x,y"], await DependencyWorkloads.ParseQueryAsync(_pool, "?b=x&a=1&b=y"));
    }

    [Fact]
    public async Task Workers_load_each_dependency_from_the_same_file_as_the_application()
    {
        Assert.Equal(DependencyWorkloads.Locations(), await DependencyWorkloads.DependencyLocationsAsync(_pool));
    }
}
