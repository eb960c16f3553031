namespace Offload.Runtime.Tests;

/// <summary>
/// A file a workload creates when its call starts running in the worker, so a test can wait for "the worker is running
/// the call" instead of sleeping and hoping. Deleted on dispose.
/// </summary>
internal sealed class StartedMarker : IDisposable
{
    /// <summary>The path to hand to the workload.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"offload-started-{Guid.NewGuid():N}");

    /// <summary>True once a worker has started the call.</summary>
    public bool IsSet => File.Exists(Path);

    /// <summary>Waits until a worker has started the call; fails the test if none does in time.</summary>
    public Task WaitAsync(int timeoutMs = 10_000) => TestHelpers.WaitUntilAsync(() => IsSet, timeoutMs, pollMs: 5);

    /// <inheritdoc />
    public void Dispose() => File.Delete(Path);
}
