using System.Diagnostics;
using Offload.Protocol;

namespace Offload.Telemetry;

/// <summary>
/// The W3C trace context of a call, both ways, through the runtime's own W3C propagator: what the caller's span and
/// baggage become on the wire (<see cref="TraceContextBlock"/>), and the parent context and baggage a worker reads back.
/// </summary>
internal static class TracePropagation
{
    private const string TraceParentField = "traceparent";
    private const string TraceStateField = "tracestate";
    private const string BaggageField = "baggage";

    /// <summary>The wire format is W3C whatever <see cref="DistributedContextPropagator.Current"/> the application set.</summary>
    private static readonly DistributedContextPropagator W3C = DistributedContextPropagator.CreateW3CPropagator();

    /// <summary>The context to send for <paramref name="activity"/>, or null when it has no W3C id (the hierarchical format).</summary>
    public static TraceContextBlock? Capture(Activity activity)
    {
        var fields = new Fields();
        W3C.Inject(activity, fields, static (carrier, name, value) =>
        {
            var target = (Fields)carrier!;
            switch (name)
            {
                case TraceParentField:
                    target.TraceParent = value;
                    break;
                case TraceStateField:
                    target.TraceState = value;
                    break;
                case BaggageField:
                    target.Baggage = value;
                    break;
            }
        });

        return fields.TraceParent is { Length: > 0 } parent ? new TraceContextBlock(parent, fields.TraceState ?? "", fields.Baggage ?? "") : null;
    }

    /// <summary>The caller's span as a remote parent; false for a <c>traceparent</c> that is not valid.</summary>
    public static bool TryGetParent(TraceContextBlock context, out ActivityContext parent) =>
        ActivityContext.TryParse(context.TraceParent, context.TraceState.Length > 0 ? context.TraceState : null, isRemote: true, out parent);

    /// <summary>Puts the caller's baggage on <paramref name="activity"/>, in the order the caller had it.</summary>
    public static void AddBaggage(Activity activity, TraceContextBlock context)
    {
        if (context.Baggage.Length == 0 || W3C.ExtractBaggage(context, static (carrier, name, out value, out values) =>
            {
                values = null;
                value = name == BaggageField ? ((TraceContextBlock)carrier!).Baggage : null;
            }) is not { } baggage)
        {
            return;
        }

        // The propagator writes baggage in the order it was added, and reads it back in that order: added in that
        // order again, the worker's activity lists it as the caller's did (the latest first).
        foreach (var (key, value) in baggage)
        {
            activity.AddBaggage(key, value);
        }
    }

    /// <summary>What the propagator hands over, field by field.</summary>
    private sealed class Fields
    {
        public string? TraceParent;
        public string? TraceState;
        public string? Baggage;
    }
}
