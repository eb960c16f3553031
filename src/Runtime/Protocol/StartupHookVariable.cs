using System.Diagnostics.CodeAnalysis;

namespace Offload.Protocol;

/// <summary>
/// <c>DOTNET_STARTUP_HOOKS</c>, which makes the runtime run <see cref="StartupHook"/> before <c>Main</c>: the pool
/// adds Offload to it for its workers (after any hooks the application already has, such as a profiler's), and a
/// worker takes Offload out again as it starts, so that processes it starts itself are not workers.
/// </summary>
internal static class StartupHookVariable
{
    public const string Name = "DOTNET_STARTUP_HOOKS";

    /// <summary>
    /// How the runtime finds Offload: the path of Offload.dll, or its simple name where it has no file of its own
    /// (single-file apps) or where its path would break the list (a path with the list separator in it).
    /// </summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000:Avoid accessing Assembly file path when publishing as a single file",
        Justification = "The location is empty in a single-file app, and the simple name is used instead.")]
    public static string OffloadHook
    {
        get
        {
            var location = typeof(StartupHookVariable).Assembly.Location;
            return string.IsNullOrEmpty(location) || location.Contains(Path.PathSeparator, StringComparison.Ordinal)
                ? typeof(StartupHookVariable).Assembly.GetName().Name!
                : location;
        }
    }

    /// <summary>The value a worker starts with: <paramref name="existing"/> hooks first, then Offload's.</summary>
    public static string Compose(string? existing) =>
        string.IsNullOrEmpty(existing) ? OffloadHook : existing + Path.PathSeparator + OffloadHook;

    /// <summary>Takes Offload out of this process's <c>DOTNET_STARTUP_HOOKS</c>, leaving the application's own hooks.</summary>
    public static void RemoveOffload()
    {
        var value = Environment.GetEnvironmentVariable(Name);
        if (value is null)
        {
            return;
        }

        var hook = OffloadHook;
        var rest = value.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Where(h => h != hook).ToArray();
        Environment.SetEnvironmentVariable(Name, rest.Length == 0 ? null : string.Join(Path.PathSeparator, rest));
    }
}
