using System.Reflection;

namespace Offload.Runtime.Tests;

/// <summary>Where the repository and the build output of its other projects are, found from this test assembly.</summary>
internal static class RepositoryPaths
{
    /// <summary>The configuration this test assembly was built in (Release under CI), which the other projects share.</summary>
    public static string Configuration =>
        typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>The repository root: the nearest folder above the test output that holds Offload.sln.</summary>
    public static string Root
    {
        get
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

    /// <summary>
    /// The main assembly of another project in its own build output folder, where it runs with its own deps.json and
    /// runtimeconfig.json (in this folder it would run with the test project's, which lists other frameworks).
    /// </summary>
    public static string BuildOutput(string projectFolder, string assemblyName) =>
        Path.Combine(Root, projectFolder, "bin", Configuration, "net10.0", assemblyName + ".dll");
}
