using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Offload;

/// <summary>
/// The names under which Offload reports traces and metrics, for OpenTelemetry's <c>AddSource</c> and <c>AddMeter</c>
/// (or an <see cref="ActivityListener"/> and a <see cref="MeterListener"/>). Nothing is recorded, and no
/// <see cref="Activity"/> is created, until something listens.
/// </summary>
/// <remarks>
/// <para>
/// Traces: each call is a client span in the calling process, named <c>{type}/{method}</c> as OpenTelemetry's RPC
/// conventions have it, with <c>rpc.system</c> = <c>offload</c>; the call carries the W3C trace context (and baggage) to
/// its worker, where the call runs inside a server span of the same source, a child of the client span, so that
/// whatever the method traces belongs to the caller's trace.
/// </para>
/// <para>
/// Metrics (tagged with <c>offload.pool.name</c>, see <see cref="WorkerPoolOptions.Name"/>): <c>offload.call.duration</c>,
/// <c>offload.call.queue_time</c>, <c>offload.calls.in_flight</c>, <c>offload.queue.length</c>, <c>offload.workers</c>,
/// <c>offload.worker.starts</c>, <c>offload.worker.crashes</c>, <c>offload.worker.recycles</c> and
/// <c>offload.io.bytes</c>; the README's "Traces and metrics" lists their units and tags.
/// </para>
/// </remarks>
public static class OffloadTelemetry
{
    /// <summary>The name of Offload's <see cref="ActivitySource"/>, in the calling process and in workers: <c>Offload</c>.</summary>
    public const string ActivitySourceName = "Offload";

    /// <summary>The name of Offload's <see cref="Meter"/>: <c>Offload</c>.</summary>
    public const string MeterName = "Offload";

    /// <summary>The assembly's version, which the source and the meter carry.</summary>
    internal static readonly string? Version = typeof(OffloadTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>The source of client spans (calls) and server spans (their runs in a worker).</summary>
    internal static readonly ActivitySource Source = new(ActivitySourceName, Version);
}
