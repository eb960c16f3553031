using System.Collections.Concurrent;
using System.Diagnostics;
using MemoryPack;

namespace Offload.Runtime.Tests;

/// <summary>An activity as a worker saw it, sent back to the test.</summary>
[MemoryPackable]
public sealed partial record ActivityReport
{
    /// <summary>The activity's display name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Its source's name ("" for an activity made without one).</summary>
    public string Source { get; init; } = "";

    /// <summary>Its kind.</summary>
    public ActivityKind Kind { get; init; }

    /// <summary>W3C trace id.</summary>
    public string TraceId { get; init; } = "";

    /// <summary>W3C span id.</summary>
    public string SpanId { get; init; } = "";

    /// <summary>W3C parent span id.</summary>
    public string ParentSpanId { get; init; } = "";

    /// <summary>Its status.</summary>
    public ActivityStatusCode Status { get; init; }

    /// <summary>The report of its parent activity in this process, if any.</summary>
    public ActivityReport? Parent { get; init; }

    /// <summary>Its baggage, parents' included.</summary>
    public Dictionary<string, string?> Baggage { get; init; } = [];

    /// <summary>Reads an activity; null for none.</summary>
    public static ActivityReport? Of(Activity? activity) => activity is null ? null : new()
    {
        Name = activity.DisplayName,
        Source = activity.Source.Name,
        Kind = activity.Kind,
        TraceId = activity.TraceId.ToHexString(),
        SpanId = activity.SpanId.ToHexString(),
        ParentSpanId = activity.ParentSpanId.ToHexString(),
        Status = activity.Status,
        Parent = Of(activity.Parent),
        Baggage = activity.Baggage.ToDictionary(b => b.Key, b => b.Value),
    };
}

/// <summary>Methods that report what tracing looks like inside a worker.</summary>
public static partial class TelemetryWorkloads
{
    /// <summary>The source of the spans "user code" starts in a worker.</summary>
    public const string UserSourceName = "Offload.Tests.User";

    private static readonly ActivitySource UserSource = new(UserSourceName);
    private static readonly ConcurrentQueue<ActivityReport> StoppedInWorker = new();
    private static ActivityListener? listener;

    /// <summary><see cref="Activity.Current"/> while the call runs; null for none.</summary>
    [RunInWorkerProcess]
    public static ActivityReport? CurrentActivity() => ActivityReport.Of(Activity.Current);

    /// <summary>The same for one item of a map.</summary>
    [RunInWorkerProcess]
    public static ActivityReport? CurrentActivityOf(int item) => ActivityReport.Of(Activity.Current);

    /// <summary>Throws, inside whatever span the call runs in.</summary>
    [RunInWorkerProcess]
    public static int Throw(string message) => throw new InvalidOperationException(message);

    /// <summary>Throws an <see cref="ObjectDisposedException"/> of its own: an error of the method, not the pool's shutdown.</summary>
    [RunInWorkerProcess]
    public static int ThrowDisposed() => throw new ObjectDisposedException("the method's own object");

    /// <summary>
    /// From now on this worker listens to <paramref name="source"/> (all data, recorded) and keeps the spans that stop,
    /// as an app that exports its traces from a <c>[WorkerInitializer]</c> would.
    /// </summary>
    [RunInWorkerProcess]
    public static void Listen(string source)
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => StoppedInWorker.Enqueue(ActivityReport.Of(a)!),
        };
        ActivitySource.AddActivityListener(listener);
    }

    /// <summary>The spans that stopped in this worker since it started listening.</summary>
    [RunInWorkerProcess]
    public static List<ActivityReport> StoppedSpans() => [.. StoppedInWorker];

    /// <summary>Starts a span of the user's own source, as the method's own tracing would, and reports it.</summary>
    [RunInWorkerProcess]
    public static ActivityReport? UserSpan()
    {
        using var span = UserSource.StartActivity("user work");
        return ActivityReport.Of(span);
    }
}
