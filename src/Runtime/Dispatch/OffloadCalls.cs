using System.ComponentModel;
using MemoryPack;
using Offload.Protocol;

namespace Offload.Dispatch;

/// <summary>
/// The entry points generated companions call: encode the arguments once, then hand the call to a pool.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OffloadCalls
{
    /// <summary>Runs a method that returns a value in a worker of <paramref name="pool"/>.</summary>
    public static Task<TResult> InvokeAsync<TArguments, TResult>(WorkerPool pool, MethodDescriptor method, in TArguments arguments, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(method);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(cancellationToken);
        }

        var callId = pool.NextCallId();
        if (!TryEncode(pool, method, arguments, callId, out var frame, out var error))
        {
            return Task.FromException<TResult>(error);
        }

        var call = new PendingCall<TResult>(method, frame, callId);
        pool.Submit(call, cancellationToken);
        return call.TypedTask;
    }

    /// <summary>Runs a method with no result in a worker of <paramref name="pool"/>.</summary>
    public static Task InvokeAsync<TArguments>(WorkerPool pool, MethodDescriptor method, in TArguments arguments, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(method);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var callId = pool.NextCallId();
        if (!TryEncode(pool, method, arguments, callId, out var frame, out var error))
        {
            return Task.FromException(error);
        }

        var call = new PendingVoidCall(method, frame, callId);
        pool.Submit(call, cancellationToken);
        return call.Task;
    }

    private static bool TryEncode<TArguments>(WorkerPool pool, MethodDescriptor method, in TArguments arguments, long callId, out FrameBuffer frame, out Exception error)
        where TArguments : struct, IOffloadArguments
    {
        frame = FrameBuffer.CreateCall(method.Id);
        try
        {
            using var state = MemoryPackWriterOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
            var writer = new MemoryPackWriter<FrameBuffer>(ref frame, state);
            arguments.Write(ref writer);
            writer.Flush();
        }
        catch (Exception ex)
        {
            frame.Dispose();
            error = new OffloadSerializationException($"The arguments of {method.DisplayName} could not be written: {ex.Message}", ex)
            {
                MethodName = method.DisplayName,
            };
            return false;
        }

        var maxFrameBytes = pool.Options.MaxFrameBytes;
        if (frame.Length > maxFrameBytes)
        {
            error = new PayloadTooLargeException(
                $"The arguments of {method.DisplayName} take {frame.Length} bytes, more than the maximum frame size of {maxFrameBytes} bytes; raise WorkerPoolOptions.MaxFrameBytes or pass less.")
            {
                MethodName = method.DisplayName,
                PayloadBytes = frame.Length,
                MaxFrameBytes = maxFrameBytes,
            };
            frame.Dispose();
            return false;
        }

        frame.Seal(FrameKind.Call, callId);
        error = null!;
        return true;
    }
}
