using Offload.Workers;

namespace Offload;

/// <summary>The worker host's entry point: Offload.dll is started by the pool, never by a user.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => WorkerHost.RunAsync(args);
}
