using System.Globalization;

namespace Offload.Runtime.Tests;

/// <summary>
/// A file a workload creates (with <see cref="Set"/>) when its call starts running in a worker, so a test can wait for
/// "the worker is running the call" instead of sleeping and hoping. Deleted on dispose.
/// </summary>
internal sealed class StartedMarker : IDisposable
{
    /// <summary>The path to hand to the workload.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"offload-started-{Guid.NewGuid():N}");

    /// <summary>True once a worker has started the call.</summary>
    public bool IsSet => File.Exists(Path);

    /// <summary>The process id of the worker that started the call; read it once <see cref="IsSet"/>.</summary>
    public int ProcessId => int.Parse(File.ReadAllText(Path), CultureInfo.InvariantCulture);

    /// <summary>
    /// Called by a workload, in the worker, as its call starts: creates the marker at <paramref name="path"/>, holding
    /// the worker's process id. Written aside and moved into place, so the marker never exists half written.
    /// </summary>
    public static void Set(string path)
    {
        var aside = path + ".tmp";
        File.WriteAllText(aside, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        File.Move(aside, path);
    }

    /// <summary>Waits until a worker has started the call; fails the test if none does in time.</summary>
    public Task WaitAsync(int timeoutMs = 10_000) => TestHelpers.WaitUntilAsync(() => IsSet, timeoutMs, pollMs: 5);

    /// <inheritdoc />
    public void Dispose() => File.Delete(Path);
}
