using System.Collections.Concurrent;
using System.Diagnostics;
using Offload.CompilerServices;
using Offload.Parent;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>Client spans in the caller, the trace context in the call frame, and the worker's side of the trace.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TracingTests : IDisposable
{
    private const string CallerSourceName = "Offload.Tests.Caller";

    private static readonly ActivitySource CallerSource = new(CallerSourceName);

    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }
    }

    [Fact]
    public async Task A_call_is_a_client_span_under_the_callers_activity_and_the_worker_runs_it_in_the_callers_trace()
    {
        Listen();
        await using var pool = await StartPoolAsync("tracing-client");
        using var parent = CallerSource.StartActivity("caller")!;
        parent.AddBaggage("tenant", "acme");
        parent.AddBaggage("request", "a b;c");

        var report = await TelemetryWorkloads.CurrentActivityAsync(pool);

        // The caller's own activity is still the current one: the client span was its child, not its replacement.
        Assert.Same(parent, Activity.Current);
        var client = Assert.Single(Spans(pool));
        Assert.Equal(ActivityKind.Client, client.Kind);
        Assert.Equal("Offload.Runtime.Tests.TelemetryWorkloads/CurrentActivity", client.DisplayName);
        Assert.Equal(parent.TraceId, client.TraceId);
        Assert.Equal(parent.SpanId, client.ParentSpanId);
        Assert.Equal("offload", client.GetTagItem("rpc.system"));
        Assert.Equal("Offload.Runtime.Tests.TelemetryWorkloads", client.GetTagItem("rpc.service"));
        Assert.Equal("CurrentActivity", client.GetTagItem("rpc.method"));
        Assert.Equal("success", client.GetTagItem("offload.outcome"));
        Assert.Equal(0, client.GetTagItem("offload.retries"));
        Assert.Equal(pool.Workers[0].Id, client.GetTagItem("offload.worker.id"));
        Assert.Equal(ActivityStatusCode.Unset, client.Status);

        // No listener in the worker: the call still runs inside an activity whose parent is the client span.
        Assert.NotNull(report);
        Assert.Equal(client.TraceId.ToHexString(), report.TraceId);
        Assert.Equal(client.SpanId.ToHexString(), report.ParentSpanId);
        Assert.Equal("acme", report.Baggage["tenant"]);
        Assert.Equal("a b;c", report.Baggage["request"]);
        Assert.Equal(["request", "tenant"], report.Baggage.Keys);
    }

    [Fact]
    public async Task A_worker_that_listens_runs_the_call_in_a_server_span_that_is_the_client_spans_child()
    {
        Listen();
        await using var pool = await StartPoolAsync("tracing-server");
        await TelemetryWorkloads.ListenAsync(pool, OffloadTelemetry.ActivitySourceName);
        using var parent = CallerSource.StartActivity("caller")!;

        var report = await TelemetryWorkloads.CurrentActivityAsync(pool);
        await Assert.ThrowsAsync<InvalidOperationException>(() => TelemetryWorkloads.ThrowAsync(pool, "broken"));
        var stoppedInWorker = await TelemetryWorkloads.StoppedSpansAsync(pool);

        // Three calls, in order: CurrentActivity, Throw, StoppedSpans.
        var clients = Spans(pool).Where(s => s.TraceId == parent.TraceId).ToList();
        Assert.Equal(3, clients.Count);
        Assert.NotNull(report);
        Assert.Equal(OffloadTelemetry.ActivitySourceName, report.Source);
        Assert.Equal(ActivityKind.Server, report.Kind);
        Assert.Equal(parent.TraceId.ToHexString(), report.TraceId);
        Assert.Equal(clients[0].SpanId.ToHexString(), report.ParentSpanId);

        // The first two calls' server spans ended in the worker (the third's was still running), the one whose method
        // threw with an error status.
        Assert.Equal(2, stoppedInWorker.Count(s => s.TraceId == parent.TraceId.ToHexString()));
        var failed = Assert.Single(stoppedInWorker, s => s.ParentSpanId == clients[1].SpanId.ToHexString());
        Assert.Equal(ActivityKind.Server, failed.Kind);
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
    }

    [Fact]
    public async Task Spans_the_method_starts_join_the_callers_trace_when_only_its_own_source_listens_in_the_worker()
    {
        Listen();
        await using var pool = await StartPoolAsync("tracing-user");
        await TelemetryWorkloads.ListenAsync(pool, TelemetryWorkloads.UserSourceName);
        using var parent = CallerSource.StartActivity("caller")!;

        var span = await TelemetryWorkloads.UserSpanAsync(pool);

        var client = Assert.Single(Spans(pool), s => s.TraceId == parent.TraceId);
        Assert.NotNull(span);
        Assert.Equal(TelemetryWorkloads.UserSourceName, span.Source);
        Assert.Equal(parent.TraceId.ToHexString(), span.TraceId);

        // Its parent is the call's activity in the worker, which no one records, and whose parent is the client span.
        Assert.NotNull(span.Parent);
        Assert.Equal(span.Parent.SpanId, span.ParentSpanId);
        Assert.Equal(client.SpanId.ToHexString(), span.Parent.ParentSpanId);
    }

    [Fact]
    public async Task A_call_that_fails_ends_its_client_span_with_an_error_status()
    {
        Listen();
        await using var pool = await StartPoolAsync("tracing-error");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TelemetryWorkloads.ThrowAsync(pool, "it broke"));

        var client = Assert.Single(Spans(pool));
        Assert.Equal(ActivityStatusCode.Error, client.Status);
        Assert.Equal(error.Message, client.StatusDescription);
        Assert.Equal("error", client.GetTagItem("offload.outcome"));
        Assert.Equal(typeof(InvalidOperationException).FullName, client.GetTagItem("error.type"));

        // A root span when the caller had no activity: the call starts a trace of its own.
        Assert.Equal(default, client.ParentSpanId);
    }

    [Fact]
    public async Task A_retried_call_stays_one_client_span_with_an_event_per_retry()
    {
        Listen();
        await using var pool = await StartPoolAsync("tracing-retry");
        var marker = Path.Combine(Path.GetTempPath(), $"offload-trace-retry-{Guid.NewGuid():N}");
        try
        {
            Assert.Equal(2, await RetryWorkloads.CrashUnlessRetriedAsync(pool, marker, 1));
        }
        finally
        {
            File.Delete(marker);
        }

        var client = Assert.Single(Spans(pool));
        Assert.Equal(1, client.GetTagItem("offload.retries"));
        Assert.Equal("success", client.GetTagItem("offload.outcome"));
        Assert.Single(client.Events, e => e.Name == "offload.retry");
    }

    [Fact]
    public async Task Each_map_chunk_is_a_client_span_and_its_items_run_inside_its_server_side()
    {
        Listen();
        await using var pool = await StartPoolAsync("tracing-map");
        using var parent = CallerSource.StartActivity("caller")!;

        var reports = new List<ActivityReport?>();
        await foreach (var report in TelemetryWorkloads.CurrentActivityOfMapAsync(Enumerable.Range(0, 6), new MapOptions { ChunkSize = 2 }, pool))
        {
            reports.Add(report);
        }

        var chunks = Spans(pool);
        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c =>
        {
            Assert.Equal(parent.SpanId, c.ParentSpanId);
            Assert.Equal(2, c.GetTagItem("offload.chunk.items"));
        });
        Assert.Equal([0L, 2L, 4L], chunks.Select(c => (long)c.GetTagItem("offload.chunk.first_index")!).Order());
        for (var i = 0; i < reports.Count; i++)
        {
            var chunk = chunks.Single(c => (long)c.GetTagItem("offload.chunk.first_index")! == i / 2 * 2);
            Assert.Equal(chunk.SpanId.ToHexString(), reports[i]!.ParentSpanId);
            Assert.Equal(parent.TraceId.ToHexString(), reports[i]!.TraceId);
        }
    }

    [Fact]
    public async Task A_streamed_call_is_one_client_span_that_ends_with_the_stream()
    {
        Listen();
        await using var pool = await StartPoolAsync("tracing-stream");

        var items = 0;
        await foreach (var item in ObserverWorkloads.CountAsync(pool, 3, failAt: -1, delayMs: 50))
        {
            if (item == 0)
            {
                // Still open while the worker produces the rest: the span ends when the stream's end arrives.
                Assert.Empty(Spans(pool));
            }

            items++;
        }

        var client = Assert.Single(Spans(pool));
        Assert.Equal(3, items);
        Assert.Equal("Offload.Runtime.Tests.ObserverWorkloads/Count", client.DisplayName);
        Assert.Equal("success", client.GetTagItem("offload.outcome"));
        Assert.True(client.Duration >= TimeSpan.FromMilliseconds(150), $"the span lasted {client.Duration}");

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in ObserverWorkloads.CountAsync(pool, 3, failAt: 1, delayMs: 0))
            {
            }
        });
        Assert.Equal("error", Spans(pool)[1].GetTagItem("offload.outcome"));
    }

    [Fact]
    public async Task Without_a_listener_or_a_current_activity_no_activity_is_made_and_the_frame_carries_no_context()
    {
        Assert.False(OffloadTelemetry.Source.HasListeners());
        Assert.Null(Activity.Current);
        await using var pool = await StartPoolAsync("tracing-none");

        Assert.Null(await TelemetryWorkloads.CurrentActivityAsync(pool));

        var plain = Encode(pool);
        Assert.Equal(CallFrameFlags.None, plain[5]);
        Assert.Equal(FrameHeader.Size + ProtocolConstants.MethodIdSize + sizeof(int), plain.Length);

        // A current activity alone (Offload's source unheard) is still propagated; a listener adds a client span.
        using (var current = new Activity("current").Start())
        {
            var propagated = Encode(pool);
            Assert.Equal(CallFrameFlags.TraceContext, propagated[5]);
            Assert.Contains(current.Id!, System.Text.Encoding.UTF8.GetString(propagated));
        }

        Listen();
        var traced = Encode(pool);
        Assert.Equal(CallFrameFlags.TraceContext, traced[5]);
        Assert.True(traced.Length > plain.Length);
    }

    private static byte[] Encode(WorkerPool pool)
    {
        var method = new MethodDescriptor(typeof(TelemetryWorkloads), 0x1234, "TelemetryWorkloads.Fake(int)");
        Assert.True(CallIntake.TryEncode(pool, method, new IntArgument(7), out var frame, out _, out var telemetry, out _));
        telemetry?.Abandon(new OperationCanceledException("only encoded"));
        var bytes = frame.WrittenSpan.ToArray();
        frame.Dispose();
        return bytes;
    }

    private static async Task<WorkerPool> StartPoolAsync(string name)
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, Name = name });
        await pool.StartAsync();
        return pool;
    }

    /// <summary>Listens to Offload's source and the caller's, all data, and keeps the spans that stop.</summary>
    private void Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is OffloadTelemetry.ActivitySourceName or CallerSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        _disposables.Add(listener);
    }

    /// <summary>The client spans of <paramref name="pool"/> that stopped, in the order they stopped.</summary>
    private List<Activity> Spans(WorkerPool pool) =>
        [.. _stopped.Where(a => a.Source.Name == OffloadTelemetry.ActivitySourceName && (string?)a.GetTagItem("offload.pool.name") == pool.Metrics.Name)];

    /// <summary>One int argument, as generated arguments structs write it.</summary>
    private readonly record struct IntArgument(int Value) : IOffloadArguments
    {
        public void Write<TBufferWriter>(ref MemoryPack.MemoryPackWriter<TBufferWriter> writer)
            where TBufferWriter : System.Buffers.IBufferWriter<byte> => writer.WriteUnmanaged(Value);

        public void Read(ref MemoryPack.MemoryPackReader reader) => throw new NotSupportedException();
    }
}
