using Offload.Protocol;
using Offload.Transport;

namespace Offload.Worker;

/// <summary>
/// The <see cref="IProgress{T}"/> a method gets in the worker: each report becomes a <see cref="FrameKind.Progress"/>
/// frame of the running call. At most one report waits in the channel: a newer one replaces it, so a method that
/// reports in a tight loop costs a serialization per report, not a frame, and never floods the channel.
/// </summary>
/// <remarks>
/// Reports are written in the channel's order, so every report made before the call's answer reaches the parent
/// before the answer does; one made after the answer (from a thread the method left behind) is dropped.
/// </remarks>
internal sealed class ProgressSender<T> : IProgress<T>, IOutgoingFrame
{
    private readonly FrameChannel _channel;
    private readonly long _callId;
    private readonly int _maxFrameBytes;
    private readonly Lock _lock = new();
    private FrameBuffer? _newest;
    private bool _queued;
    private bool _closed;

    public ProgressSender(FrameChannel channel, long callId, int maxFrameBytes)
    {
        _channel = channel;
        _callId = callId;
        _maxFrameBytes = maxFrameBytes;
    }

    public void Report(T value)
    {
        var frame = FrameBuffer.CreateMessage(value, _maxFrameBytes, static (size, max) =>
            $"A progress report of {size} bytes is more than the maximum frame size of {max} bytes.");
        frame.Seal(FrameKind.Progress, _callId);
        FrameBuffer? replaced;
        bool enqueue;
        lock (_lock)
        {
            if (_closed && !_queued)
            {
                replaced = frame;
                enqueue = false;
            }
            else
            {
                replaced = _newest;
                _newest = frame;
                enqueue = !_queued;
                _queued = true;
            }
        }

        replaced?.Dispose();
        if (enqueue)
        {
            if (_channel.TryEnqueue(this))
            {
                // Written by a pool thread, not the method's: a report costs the method its serialization, not a
                // system call, and reports made while the write is under way coalesce into the one queued frame.
                _channel.FlushDeferred();
            }
            else
            {
                Close();
            }
        }
    }

    /// <summary>The call was answered: reports made from now on are dropped (one already queued still goes out first).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }

    bool IOutgoingFrame.TryWriteTo(ref FrameWriter destination)
    {
        FrameBuffer? frame;
        lock (_lock)
        {
            frame = _newest;
            _newest = null;
            _queued = false;
        }

        if (frame is null)
        {
            return false;
        }

        destination.Append(frame);
        frame.Dispose();
        return true;
    }

    void IOutgoingFrame.OnWritten()
    {
    }
}
