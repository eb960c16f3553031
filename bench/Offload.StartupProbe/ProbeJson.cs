using System.Text.Json.Serialization;
using Offload.Benchmarks;

namespace Offload.StartupProbe;

/// <summary>Source-generated JSON for the probe's result (the probe also runs as NativeAOT).</summary>
[JsonSerializable(typeof(ProbeResult))]
internal sealed partial class ProbeJson : JsonSerializerContext;
