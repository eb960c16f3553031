using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Offload.CallDriver;

/// <summary>
/// Samples this process's allocations by type with the runtime's own allocation ticks (one event per ~100 KB
/// allocated, naming the type that crossed the mark): over many calls, each type's share of the ticks is its share of
/// the bytes. The in-process equivalent of <c>dotnet-trace --profile gc-verbose</c>.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, int> _ticks = new();

    public bool Recording { get; set; }

    /// <summary>Each type's share of the sampled ticks, largest first.</summary>
    public IEnumerable<(string Type, double Share)> Shares()
    {
        var total = (double)_ticks.Values.Sum();
        return _ticks.OrderByDescending(p => p.Value).Select(p => (p.Key, p.Value / total));
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (Recording && eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && eventData.Payload is { } payload)
        {
            var index = eventData.PayloadNames!.IndexOf("TypeName");
            var type = index >= 0 ? payload[index] as string ?? "?" : "?";
            _ticks.AddOrUpdate(type, 1, (_, n) => n + 1);
        }
    }
}
