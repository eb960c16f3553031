using System.Buffers;
using System.ComponentModel;
using Offload.Protocol;

namespace Offload.CompilerServices;

/// <summary>
/// The caller's side of an <see cref="IProgress{T}"/> parameter: reports read from the worker's progress frames reach
/// the caller's <see cref="IProgress{T}"/>. Generated companions create it with <see cref="Create{T}(IProgress{T}?)"/>.
/// </summary>
/// <remarks>
/// Reports are delivered one at a time, in the order the worker made them, off the channel's read loop, so a slow
/// <see cref="IProgress{T}.Report"/> never stalls the channel. When they come faster than the caller takes them, the
/// ones not yet delivered are coalesced: only the newest waits. The call completes only after the last report was
/// delivered.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class ProgressReceiver
{
    private protected ProgressReceiver()
    {
    }

    /// <summary>Wraps the caller's <paramref name="progress"/>; <see langword="null"/> when there is none to report to.</summary>
    /// <typeparam name="T">The type of the reports.</typeparam>
    /// <param name="progress">The caller's progress, or <see langword="null"/>.</param>
    public static ProgressReceiver? Create<T>(IProgress<T>? progress) => progress is null ? null : new ProgressReceiver<T>(progress);

    /// <summary>Reads a report from a progress frame's body and schedules its delivery; called on the read loop.</summary>
    internal abstract void Post(in ReadOnlySequence<byte> body);

    /// <summary>
    /// Runs <paramref name="complete"/> once every report received so far was delivered: at once when none is pending,
    /// else on the thread that delivers the last one. The call's completion goes through here, so the caller never sees
    /// its task complete before its last report.
    /// </summary>
    internal abstract void WhenDelivered(Action complete);
}

/// <summary>A <see cref="ProgressReceiver"/> for reports of type <typeparamref name="T"/>.</summary>
internal sealed class ProgressReceiver<T> : ProgressReceiver
{
    private readonly IProgress<T> _progress;
    private readonly Lock _lock = new();
    private T? _newest;
    private bool _hasNewest;
    private bool _delivering;
    private Action? _afterDelivered;

    public ProgressReceiver(IProgress<T> progress) => _progress = progress;

    /// <summary>Reports read but dropped because a newer one arrived before they could be delivered; for tests.</summary>
    internal int Coalesced { get; private set; }

    internal override void Post(in ReadOnlySequence<byte> body)
    {
        var report = FrameBody.Read<T>(body);
        lock (_lock)
        {
            if (_hasNewest)
            {
                Coalesced++;
            }

            _newest = report;
            _hasNewest = true;
            if (_delivering)
            {
                return;
            }

            _delivering = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static receiver => receiver.Deliver(), this, preferLocal: false);
    }

    internal override void WhenDelivered(Action complete)
    {
        lock (_lock)
        {
            if (_delivering)
            {
                _afterDelivered = complete;
                return;
            }
        }

        complete();
    }

    private void Deliver()
    {
        while (true)
        {
            T report;
            Action? after = null;
            var done = false;
            lock (_lock)
            {
                report = _newest!;
                _newest = default;
                if (_hasNewest)
                {
                    _hasNewest = false;
                }
                else
                {
                    // Nothing left: this thread stops delivering; the next report starts another.
                    done = true;
                    _delivering = false;
                    after = _afterDelivered;
                    _afterDelivered = null;
                }
            }

            if (done)
            {
                after?.Invoke();
                return;
            }

            try
            {
                _progress.Report(report);
            }
            catch (Exception)
            {
                // The caller's handler threw. It runs on a pool thread, where an exception would crash the process;
                // the report is lost and the call goes on.
            }
        }
    }
}
