using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Offload.Samples.Telemetry;

/// <summary>"Image work" that runs in worker processes, traced like any other code of the app.</summary>
public static partial class Images
{
    /// <summary>The app's own source: the spans its code starts, in the parent and in workers alike.</summary>
    public static readonly ActivitySource Source = new("Telemetry.Sample");

    private static TracerProvider? workerTracing;

    /// <summary>
    /// Runs once in every worker, before its first call: the worker exports its spans, Offload's server spans and the
    /// app's own, to the console (a real app would use OTLP to a collector). Worker output reaches the parent's console
    /// as <c>[worker N]</c> lines.
    /// </summary>
    [WorkerInitializer]
    public static void StartTracing() =>
        workerTracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("telemetry-sample-worker"))
            .AddSource(OffloadTelemetry.ActivitySourceName, Source.Name)
            .AddConsoleExporter()
            .Build();

    /// <summary>Pretends to resize an image: a span of its own inside the call, with the caller's baggage.</summary>
    [RunInWorkerProcess]
    public static long Resize(int width, int height)
    {
        using var span = Source.StartActivity("resize pixels");
        span?.SetTag("customer", Activity.Current?.GetBaggageItem("customer"));
        var sum = 0L;
        for (var i = 0; i < width * height; i++)
        {
            sum += i % 7;
        }

        return sum;
    }

    /// <summary>One thumbnail; a map over many runs them in chunks, each chunk a call of its own.</summary>
    [RunInWorkerProcess]
    public static int Thumbnail(int id) => id * 2;
}
