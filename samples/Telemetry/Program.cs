using System.Diagnostics;
using Offload;
using Offload.Samples.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// Offload's traces and metrics through OpenTelemetry's console exporter. The parent prints its spans (the sample's
// "process order" span and a client span per call or map chunk) and, at the end, the pool's metrics; the workers print
// theirs ([worker N] lines: Offload's server spans and the "resize pixels" spans of the method's own source), and every
// span has the same trace id.
using var tracing = Sdk.CreateTracerProviderBuilder()
    .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("telemetry-sample"))
    .AddSource(OffloadTelemetry.ActivitySourceName, Images.Source.Name)
    .AddConsoleExporter()
    .Build();
var metrics = Sdk.CreateMeterProviderBuilder()
    .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("telemetry-sample"))
    .AddMeter(OffloadTelemetry.MeterName)
    .AddConsoleExporter()
    .Build();

string traceId;
await using (var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, Name = "images" }))
{
    await pool.StartAsync();
    using var order = Images.Source.StartActivity("process order")!;
    order.AddBaggage("customer", "acme");
    traceId = order.TraceId.ToHexString();

    // Two calls (a client span each here, a server span each in a worker), then a map of four items in two chunks.
    await Task.WhenAll(Images.ResizeAsync(pool, 640, 480), Images.ResizeAsync(pool, 320, 200));
    var thumbnails = 0;
    await foreach (var thumbnail in Images.ThumbnailMapAsync([1, 2, 3, 4], new MapOptions { ChunkSize = 2 }, pool))
    {
        thumbnails += thumbnail;
    }

    Console.WriteLine($"Thumbnails: {thumbnails}");

    // Disposing the meter provider collects and prints the metrics, once; while the pool lives, since the observable
    // instruments (workers, queue, starts…) report live pools only.
    metrics.Dispose();
}

Console.WriteLine($"Every span above, in this process and in the workers, belongs to trace {traceId}.");
