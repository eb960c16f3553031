using System.Diagnostics;
using System.Runtime.CompilerServices;
using Offload.CompilerServices;
using Offload.Parent;
using Offload.Protocol;

namespace Offload.Telemetry;

/// <summary>
/// A call's telemetry in the calling process: its client span and the times its duration and queue time are measured
/// from. It exists only while a listener wants a span or those metrics (<see cref="Begin"/> returns null otherwise,
/// reading no clock and allocating nothing), and is ended once, where the call's outcome is counted
/// (<see cref="PendingCall"/>), just before the caller's task completes.
/// </summary>
/// <remarks>
/// A call is one span however often it is retried: each retry is an event on it (<see cref="TelemetryNames.RetryEvent"/>),
/// <c>offload.retries</c> counts them, and each attempt's server span in a worker is its child. A map chunk is a call
/// too, and gets a span of its own with its items' place in the input.
/// </remarks>
internal sealed class CallTelemetry
{
    /// <summary>Small numbers boxed once: a span's worker id and retry count would otherwise cost a box each per call.</summary>
    private static readonly object[] SmallNumbers = [.. Enumerable.Range(0, 256).Select(static n => (object)n)];

    private readonly PoolMetrics _pool;
    private readonly long _startedAt;
    private long _assignedAt;

    private CallTelemetry(PoolMetrics pool, Activity? activity, long startedAt)
    {
        _pool = pool;
        Activity = activity;
        _startedAt = startedAt;
    }

    /// <summary>The call's client span; null when only metrics listen, or the span was sampled out.</summary>
    public Activity? Activity { get; }

    /// <summary>
    /// Starts a call's telemetry before it is encoded: its span's context goes into the frame. Null, at the cost of
    /// three flag tests, when no listener wants a span, a duration or a queue time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CallTelemetry? Begin(PoolMetrics pool, MethodDescriptor method) =>
        OffloadTelemetry.Source.HasListeners() || OffloadInstruments.CallDuration.Enabled || OffloadInstruments.QueueTime.Enabled
            ? BeginListened(pool, method)
            : null;

    /// <summary>
    /// What a traced call sends its worker: the context of its own span, or, when Offload's source has no listener here,
    /// of the caller's current activity, so that the worker's spans still join the caller's trace. Null when there is
    /// neither (the untraced path: the frame gets no trace context and no flag).
    /// </summary>
    public static TraceContextBlock? ContextToSend(CallTelemetry? telemetry) =>
        (telemetry?.Activity ?? Activity.Current) is { } activity ? TracePropagation.Capture(activity) : null;

    /// <summary>A worker took the call: the end of its time in the queue (the first time only; retries wait again, uncounted).</summary>
    public void OnAssigned()
    {
        if (Volatile.Read(ref _assignedAt) == 0)
        {
            Volatile.Write(ref _assignedAt, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>The call is sent again after a failure on worker <paramref name="workerId"/>.</summary>
    public void OnRetry(int retry, int? workerId)
    {
        if (Activity is { IsAllDataRequested: true } activity)
        {
            var tags = new ActivityTagsCollection { [TelemetryNames.Retries] = retry };
            if (workerId is { } id)
            {
                tags[TelemetryNames.WorkerId] = id;
            }

            activity.AddEvent(new ActivityEvent(TelemetryNames.RetryEvent, tags: tags));
        }
    }

    /// <summary>A map chunk's place in its input, known once it is full.</summary>
    public void SetChunk(long firstIndex, int count)
    {
        if (Activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(TelemetryNames.ChunkFirstIndex, firstIndex);
            activity.SetTag(TelemetryNames.ChunkItems, count);
        }
    }

    /// <summary>
    /// The call is settled: records its duration and queue time with its outcome, and ends its span (status Error, with
    /// the exception's message, unless it succeeded or was canceled).
    /// </summary>
    /// <param name="call">The call.</param>
    /// <param name="outcome">What the caller saw (<see cref="TelemetryNames.Outcomes"/>).</param>
    /// <param name="error">Why it failed; null when it succeeded or was canceled.</param>
    public void End(PendingCall call, string outcome, Exception? error)
    {
        var method = new KeyValuePair<string, object?>(TelemetryNames.Method, call.Method.DisplayName);
        if (OffloadInstruments.CallDuration.Enabled)
        {
            var elapsed = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
            OffloadInstruments.CallDuration.Record(elapsed, _pool.PoolTag, method, new(TelemetryNames.Outcome, outcome));
        }

        var assignedAt = Volatile.Read(ref _assignedAt);
        if (assignedAt != 0 && OffloadInstruments.QueueTime.Enabled)
        {
            OffloadInstruments.QueueTime.Record(Stopwatch.GetElapsedTime(_startedAt, assignedAt).TotalSeconds, _pool.PoolTag, method);
        }

        if (Activity is not { } activity)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            if (call.Worker?.Id is { } workerId)
            {
                activity.SetTag(TelemetryNames.WorkerId, Box(workerId));
            }

            activity.SetTag(TelemetryNames.Retries, Box(call.Retries));
            activity.SetTag(TelemetryNames.Outcome, outcome);
            if (error is not null)
            {
                activity.SetTag(TelemetryNames.ErrorType, error.GetType().FullName);
            }
        }

        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        activity.Stop();
    }

    /// <summary>The call failed before it was submitted (its arguments could not be encoded): its span ends with the error, and no metric counts it.</summary>
    public void Abandon(Exception error)
    {
        if (Activity is { } activity)
        {
            activity.SetTag(TelemetryNames.Outcome, TelemetryNames.Outcomes.Of(error));
            activity.SetTag(TelemetryNames.ErrorType, error.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.Stop();
        }
    }

    private static object Box(int number) => (uint)number < (uint)SmallNumbers.Length ? SmallNumbers[number] : number;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CallTelemetry? BeginListened(PoolMetrics pool, MethodDescriptor method)
    {
        var startedAt = Stopwatch.GetTimestamp();
        var activity = StartClientSpan(pool, method);
        return activity is null && !OffloadInstruments.CallDuration.Enabled && !OffloadInstruments.QueueTime.Enabled
            ? null
            : new CallTelemetry(pool, activity, startedAt);
    }

    private static Activity? StartClientSpan(PoolMetrics pool, MethodDescriptor method)
    {
        var source = OffloadTelemetry.Source;
        if (!source.HasListeners())
        {
            return null;
        }

        // Starting an activity makes it the current one; the caller's code goes on after this returns, and its next
        // call must be a sibling of this one, not its child. Putting the caller's execution context back as it was
        // costs no new context, unlike setting Activity.Current back (only when its flow is suppressed, that is done).
        var callerContext = ExecutionContext.Capture();
        var activity = source.StartActivity(method.SpanName, ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        if (callerContext is not null)
        {
            ExecutionContext.Restore(callerContext);
        }
        else
        {
            Activity.Current = activity.Parent;
        }
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(TelemetryNames.RpcSystem, TelemetryNames.RpcSystemValue);
            activity.SetTag(TelemetryNames.RpcService, method.ServiceName);
            activity.SetTag(TelemetryNames.RpcMethod, method.MethodName);
            activity.SetTag(TelemetryNames.Method, method.DisplayName);
            activity.SetTag(TelemetryNames.MethodId, method.IdText);
            activity.SetTag(TelemetryNames.PoolName, pool.Name);
        }

        return activity;
    }
}
