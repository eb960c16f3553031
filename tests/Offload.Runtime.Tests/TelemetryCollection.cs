namespace Offload.Runtime.Tests;

/// <summary>
/// Tests that attach activity and meter listeners, which are process-wide: they run alone, after the tests that run in
/// parallel, so that no other test's calls are traced or measured meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "telemetry";
}
