using Offload;

namespace HostedApp;

/// <summary>Work for the hosted pool's workers.</summary>
public static partial class Work
{
    /// <summary>The worker's process id and the variable the configuration gave workers.</summary>
    [RunInWorkerProcess]
    public static (int ProcessId, string? Greeting) WhoAmI() => (Environment.ProcessId, Environment.GetEnvironmentVariable("HOSTED_APP_GREETING"));
}
