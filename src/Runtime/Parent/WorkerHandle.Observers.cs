using System.Buffers;
using Offload.Parent.Streaming;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>The frames a worker sends while a call runs: progress reports, streamed items and log entries.</summary>
internal sealed partial class WorkerHandle
{
    /// <summary>A progress report of a running call goes to its caller's <see cref="IProgress{T}"/>, if it gave one.</summary>
    private void OnProgress(long callId, in ReadOnlySequence<byte> body)
    {
        if (FindCall(callId, "a progress report") is not { Progress: { } progress } call || call.IsCompleted)
        {
            return;
        }

        try
        {
            progress.Post(body);
        }
        catch (Exception ex) when (ex is not OffloadProtocolException)
        {
            FailUnreadable(call, "a progress report", ex);
        }
    }

    /// <summary>An item of a streamed call goes to its caller's enumerator.</summary>
    private void OnStreamItem(long callId, in ReadOnlySequence<byte> body)
    {
        var call = FindCall(callId, "a streamed item");
        if (call is not IStreamedCall stream)
        {
            throw new OffloadProtocolException($"Worker {Id} streamed an item for call {callId}, which does not stream.");
        }

        try
        {
            stream.OnItem(body);
        }
        catch (Exception ex) when (ex is not OffloadProtocolException)
        {
            FailUnreadable(call!, "a streamed item", ex);
        }
    }

    /// <summary>What worker code logged goes to the pool's logger factory, with the worker and the method it ran.</summary>
    private void OnLog(long callId, in ReadOnlySequence<byte> body)
    {
        var record = ReadMessage<LogRecord>(body, "log entry");
        if (record is null || _pool.WorkerLogs is not { } replay)
        {
            return;
        }

        string? method = null;
        if (callId != 0)
        {
            lock (_lock)
            {
                method = _inFlight.TryGet(callId, out var call) ? call.Method.DisplayName : null;
            }
        }

        replay.Replay(record, Id, method);
    }

    /// <summary>The running call with this id; a frame for a call the worker was not given breaks the protocol.</summary>
    private PendingCall? FindCall(long callId, string what)
    {
        lock (_lock)
        {
            if (_inFlight.TryGet(callId, out var call))
            {
                return call;
            }
        }

        throw new OffloadProtocolException($"Worker {Id} sent {what} for call {callId}, which it was not running.");
    }

    /// <summary>
    /// What the worker sent for a call could not be read (a type that changed between the two sides): the call fails
    /// with why, and the worker is told to stop running it; the channel itself is fine.
    /// </summary>
    private void FailUnreadable(PendingCall call, string what, Exception ex)
    {
        if (call.TryFail(new OffloadSerializationException($"{char.ToUpperInvariant(what[0])}{what[1..]} of {call.Method.DisplayName} could not be read: {ex.Message}", ex)
        {
            MethodName = call.Method.DisplayName,
            WorkerId = Id,
        }))
        {
            SendCancel(call);
        }
    }
}
