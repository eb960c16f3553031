using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Offload.CompilerServices;
using Offload.Protocol;
using Offload.Telemetry;

namespace Offload.Worker;

/// <summary>
/// A traced call's run in the worker: a server span of Offload's source around the invocation, a child of the caller's
/// client span, with the caller's baggage, so that <see cref="Activity.Current"/> in the method is that span and
/// whatever the method traces joins the caller's trace. A call that carried no trace context runs as before, with no
/// activity at all.
/// </summary>
/// <remarks>
/// Without a listener for Offload's source in this worker (or when it samples the span out), the call still runs
/// inside an activity whose parent is the caller's span, one that no listener sees: the spans the method starts from
/// sources of its own are then in the caller's trace, as children of that unrecorded span.
/// </remarks>
internal static class CallTrace
{
    /// <summary>Server span names by method id: a worker knows its methods by id only, and names each once.</summary>
    private static readonly ConcurrentDictionary<ulong, string> Names = new();

    /// <summary>Runs the invocation, inside a server span when <paramref name="trace"/> says the caller traces it.</summary>
    public static ValueTask InvokeAsync(IOffloadDispatcher dispatcher, Invocation invocation, TraceContextBlock? trace, int workerId) =>
        trace is null ? dispatcher.InvokeAsync(invocation) : InvokeTracedAsync(dispatcher, invocation, trace, workerId);

    private static async ValueTask InvokeTracedAsync(IOffloadDispatcher dispatcher, Invocation invocation, TraceContextBlock trace, int workerId)
    {
        // Set here, the activity is current for the method and everything it awaits, and no longer once this returns.
        using var activity = Start(trace, invocation.MethodId, workerId);
        try
        {
            await dispatcher.InvokeAsync(invocation).ConfigureAwait(false);
            SetOutcome(activity, TelemetryNames.Outcomes.Success);
        }
        catch (Exception ex)
        {
            if (activity is not null)
            {
                var canceled = ex is OperationCanceledException && invocation.IsCancellationRequested;
                SetOutcome(activity, canceled ? TelemetryNames.Outcomes.Canceled : TelemetryNames.Outcomes.Error);
                if (!canceled)
                {
                    activity.SetTag(TelemetryNames.ErrorType, ex.GetType().FullName);
                    activity.SetStatus(ActivityStatusCode.Error, ex.Message);
                }
            }

            throw;
        }
    }

    private static Activity? Start(TraceContextBlock trace, ulong methodId, int workerId)
    {
        if (!TracePropagation.TryGetParent(trace, out var parent))
        {
            // Not a W3C traceparent: nothing to join.
            return null;
        }

        var name = Names.GetOrAdd(methodId, static id => string.Create(CultureInfo.InvariantCulture, $"{OffloadTelemetry.ActivitySourceName}/{id:x16}"));
        var activity = OffloadTelemetry.Source.StartActivity(name, ActivityKind.Server, parent);
        if (activity is null)
        {
            activity = new Activity(name) { IsAllDataRequested = false };
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            activity.TraceStateString = parent.TraceState;
            activity.Start();
        }
        else if (activity.IsAllDataRequested)
        {
            activity.SetTag(TelemetryNames.RpcSystem, TelemetryNames.RpcSystemValue);
            activity.SetTag(TelemetryNames.MethodId, methodId.ToString("x16", CultureInfo.InvariantCulture));
            activity.SetTag(TelemetryNames.WorkerId, workerId);
        }

        TracePropagation.AddBaggage(activity, trace);
        return activity;
    }

    private static void SetOutcome(Activity? activity, string outcome)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryNames.Outcome, outcome);
        }
    }
}
