using MemoryPack;
using Offload.CompilerServices;
using Offload.Parent.Streaming;
using Offload.Protocol;
using Offload.Telemetry;

namespace Offload.Parent;

/// <summary>
/// Where a call enters a <see cref="WorkerPool"/>: it takes a queue slot (when <see cref="WorkerPoolOptions.MaxQueuedCalls"/>
/// bounds the queue), encodes the arguments once into the call's frame, and submits the call.
/// </summary>
internal static class CallIntake
{
    /// <summary>Runs a method that returns a value in a worker of <paramref name="pool"/>.</summary>
    public static Task<TResult> InvokeAsync<TArguments, TResult>(WorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(cancellationToken);
        }

        if (pool.QueueSlots is { } slots && !slots.Wait(0))
        {
            return QueueIsFull(pool, method, out var refusal)
                ? Task.FromException<TResult>(refusal)
                : WaitForRoomAsync<TArguments, TResult>(pool, method, arguments, progress, slots, cancellationToken);
        }

        return Submit<TArguments, TResult>(pool, method, arguments, progress, cancellationToken);
    }

    /// <summary>Runs a method with no result in a worker of <paramref name="pool"/>.</summary>
    public static Task InvokeAsync<TArguments>(WorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        if (pool.QueueSlots is { } slots && !slots.Wait(0))
        {
            return QueueIsFull(pool, method, out var refusal)
                ? Task.FromException(refusal)
                : WaitForRoomAsync(pool, method, arguments, progress, slots, cancellationToken);
        }

        return Submit(pool, method, arguments, progress, cancellationToken);
    }

    private static Task<TResult> Submit<TArguments, TResult>(WorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        if (!TryEncode(pool, method, arguments, out var frame, out var callId, out var telemetry, out var error))
        {
            pool.QueueSlots?.Release();
            return Task.FromException<TResult>(error);
        }

        var call = new PendingCall<TResult>(method, frame, callId) { QueueSlot = pool.QueueSlots, Progress = progress, Telemetry = telemetry };
        pool.Submit(call, cancellationToken);
        return call.TypedTask;
    }

    private static Task Submit<TArguments>(WorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        if (!TryEncode(pool, method, arguments, out var frame, out var callId, out var telemetry, out var error))
        {
            pool.QueueSlots?.Release();
            return Task.FromException(error);
        }

        var call = new PendingVoidCall(method, frame, callId) { QueueSlot = pool.QueueSlots, Progress = progress, Telemetry = telemetry };
        pool.Submit(call, cancellationToken);
        return call.Task;
    }

    /// <summary>
    /// Submits one streamed call and returns the caller's enumerator over its items. A streamed call takes no slot of
    /// <see cref="WorkerPoolOptions.MaxQueuedCalls"/>: it is started by enumerating, which cannot wait for room, and it
    /// holds a worker, not the queue, for most of its life. A call that cannot be sent fails on the first
    /// <c>MoveNextAsync</c>.
    /// </summary>
    public static IAsyncEnumerator<TItem> SubmitStream<TArguments, TItem>(
        WorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationTokenSource? linked, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        if (!TryEncode(pool, method, arguments, out var frame, out var callId, out var telemetry, out var error))
        {
            var failed = new PendingStreamCall<TItem>(method, FrameBuffer.Create(FrameHeader.Size), 0, pool.Scheduler, pool.Options.StreamWindow, linked);
            failed.TryFail(error);
            return failed;
        }

        var call = new PendingStreamCall<TItem>(method, frame, callId, pool.Scheduler, pool.Options.StreamWindow, linked) { Progress = progress, Telemetry = telemetry };
        pool.Submit(call, cancellationToken);
        return call;
    }

    /// <summary>
    /// The slow path of a bounded queue that is full (<see cref="QueueFullMode.Wait"/>): the caller waits for a slot
    /// before its arguments are even encoded, so a full pool holds no more than its bound of encoded calls.
    /// </summary>
    private static async Task<TResult> WaitForRoomAsync<TArguments, TResult>(WorkerPool pool, MethodDescriptor method, TArguments arguments, ProgressReceiver? progress, SemaphoreSlim slots, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await Submit<TArguments, TResult>(pool, method, arguments, progress, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WaitForRoomAsync<TArguments>(WorkerPool pool, MethodDescriptor method, TArguments arguments, ProgressReceiver? progress, SemaphoreSlim slots, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        await Submit(pool, method, arguments, progress, cancellationToken).ConfigureAwait(false);
    }

    private static bool QueueIsFull(WorkerPool pool, MethodDescriptor method, out Exception refusal)
    {
        if (pool.Options.QueueFullMode != QueueFullMode.Fail)
        {
            refusal = null!;
            return false;
        }

        var max = pool.Options.MaxQueuedCalls ?? 0;
        refusal = new PoolQueueFullException($"{method.DisplayName} was not run: the pool's queue already holds {max} calls (WorkerPoolOptions.MaxQueuedCalls).")
        {
            MethodName = method.DisplayName,
            MaxQueuedCalls = max,
        };
        return true;
    }

    /// <summary>
    /// Encodes a call's frame: the method id, the caller's trace context when there is one to send
    /// (<see cref="CallFrameFlags.TraceContext"/>), the arguments. Internal for the tests that check what a frame holds.
    /// </summary>
    internal static bool TryEncode<TArguments>(WorkerPool pool, MethodDescriptor method, in TArguments arguments, out FrameBuffer frame, out long callId, out CallTelemetry? telemetry, out Exception error)
        where TArguments : struct, IOffloadArguments
    {
        callId = 0;
        var maxFrameBytes = pool.Options.MaxFrameBytes;
        telemetry = CallTelemetry.Begin(pool.Metrics, method);
        var context = CallTelemetry.ContextToSend(telemetry);

        // A traced frame starts with room for its trace context, rather than growing into a second array.
        frame = context is null
            ? FrameBuffer.CreateCall(method.Id, maxBytes: maxFrameBytes, arena: pool.SharedArena)
            : FrameBuffer.CreateCall(method.Id, capacityHint: 256, maxBytes: maxFrameBytes, arena: pool.SharedArena);
        var flags = CallFrameFlags.None;
        try
        {
            if (context is not null && context.TryWrite(frame))
            {
                flags = CallFrameFlags.TraceContext;
            }

            using var state = MemoryPackWriterOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
            var writer = new MemoryPackWriter<FrameBuffer>(ref frame, state);
            arguments.Write(ref writer);
            writer.Flush();
        }
        catch (FrameLimitExceededException ex)
        {
            // Refused as soon as the arguments asked for more room than a frame has: nothing larger was allocated.
            frame.Discard();
            error = TooLarge(method, ex.NeededBytes, maxFrameBytes, atLeast: true);
            telemetry?.Abandon(error);
            return false;
        }
        catch (Exception ex)
        {
            frame.Discard();
            error = new OffloadSerializationException($"The arguments of {method.DisplayName} could not be written: {ex.Message}", ex)
            {
                MethodName = method.DisplayName,
            };
            telemetry?.Abandon(error);
            return false;
        }

        if (frame.Length > maxFrameBytes)
        {
            error = TooLarge(method, frame.Length, maxFrameBytes, atLeast: false);
            frame.Discard();
            telemetry?.Abandon(error);
            return false;
        }

        // The id is taken only for a call that will be submitted: the pool counts submitted calls by their ids.
        callId = pool.NextCallId();
        frame.Seal(FrameKind.Call, callId, flags);
        error = null!;
        return true;
    }

    private static PayloadTooLargeException TooLarge(MethodDescriptor method, long bytes, int maxFrameBytes, bool atLeast) =>
        new($"The arguments of {method.DisplayName} take {(atLeast ? "at least " : "")}{bytes} bytes, more than the maximum frame size of {maxFrameBytes} bytes; raise WorkerPoolOptions.MaxFrameBytes or pass less.")
        {
            MethodName = method.DisplayName,
            PayloadBytes = bytes,
            MaxFrameBytes = maxFrameBytes,
        };
}
