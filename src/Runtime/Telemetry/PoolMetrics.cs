using System.Runtime.CompilerServices;

namespace Offload.Telemetry;

/// <summary>
/// A pool's side of the metrics (see <see cref="OffloadInstruments"/>): the tag that names it in every measurement, and
/// the byte counts of its channels, recorded only while <c>offload.io.bytes</c> has a listener.
/// </summary>
internal sealed class PoolMetrics
{
    private static int poolsCreated;

    private readonly KeyValuePair<string, object?> _transmit = new(TelemetryNames.NetworkIoDirection, TelemetryNames.Directions.Transmit);
    private readonly KeyValuePair<string, object?> _receive = new(TelemetryNames.NetworkIoDirection, TelemetryNames.Directions.Receive);

    /// <param name="name">The pool's name (<see cref="WorkerPoolOptions.Name"/>), or null for <c>pool-N</c>, N counting the pools of this process.</param>
    public PoolMetrics(string? name)
    {
        OffloadInstruments.EnsureCreated();
        Name = name ?? $"pool-{Interlocked.Increment(ref poolsCreated)}";
        PoolTag = new(TelemetryNames.PoolName, Name);

        // Cached once: every worker's channel reports its writes through it.
        OnBytesSent = RecordSent;
    }

    /// <summary>The pool's name in measurements and spans.</summary>
    public string Name { get; }

    /// <summary>The tag every measurement of this pool carries.</summary>
    public KeyValuePair<string, object?> PoolTag { get; }

    /// <summary>Given to each worker's channel, which calls it with the bytes of each write.</summary>
    public Action<int> OnBytesSent { get; }

    /// <summary>A frame of <paramref name="bytes"/> bytes arrived from a worker.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RecordReceived(int bytes)
    {
        if (OffloadInstruments.IoBytes.Enabled)
        {
            OffloadInstruments.IoBytes.Add(bytes, PoolTag, _receive);
        }
    }

    private void RecordSent(int bytes)
    {
        if (OffloadInstruments.IoBytes.Enabled)
        {
            OffloadInstruments.IoBytes.Add(bytes, PoolTag, _transmit);
        }
    }
}
