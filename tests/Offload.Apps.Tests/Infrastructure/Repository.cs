using System.Reflection;

namespace Offload.Apps.Tests.Infrastructure;

/// <summary>Where the repository is, and the configuration its projects were built in for this test run.</summary>
internal static class Repository
{
    /// <summary>The configuration this test assembly was built in (Release under CI), which the packed projects share.</summary>
    public static string Configuration =>
        typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>The repository root: the nearest folder above the test output that holds Offload.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A folder under <c>tests/Apps</c>: the source of one test app.</summary>
    public static string App(string name) => Path.Combine(Root, "tests", "Apps", name);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Offload.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Offload.sln above {AppContext.BaseDirectory}.");
    }
}
