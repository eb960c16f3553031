using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;

namespace Offload.Parent;

/// <summary>
/// The calls given to one worker and not answered yet, in the order they went into its channel. The worker runs them
/// one at a time in that order, so the oldest (the head) is the one running, since <see cref="HeadSince"/>. Also
/// keeps the average time a call runs, which sizes the worker's prefetch window. Not thread-safe: the worker's lock
/// guards it; only <see cref="Count"/> may be read without it.
/// </summary>
internal sealed class InFlightLedger
{
    private readonly OrderedDictionary<long, PendingCall> _calls = [];
    private int _count;
    private int _streams;
    private long _averageServiceTicks;

    /// <summary>The calls given and not answered: what the scheduler weighs a worker by (read without the lock).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Streamed calls among them (read without the lock): a worker streaming a result is given no more calls, since
    /// the stream may wait on its caller, who may be waiting on the next call.
    /// </summary>
    public int Streams => Volatile.Read(ref _streams);

    /// <summary>The call the worker is running, or <see langword="null"/>.</summary>
    public PendingCall? Head => _calls.Count == 0 ? null : _calls.GetAt(0).Value;

    /// <summary>When the head call started running (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long HeadSince { get; private set; }

    /// <summary>
    /// How many calls the pool may have given this worker when <see cref="WorkerPoolOptions.Prefetch"/> is automatic:
    /// one running plus enough queued to cover a round trip to the parent. Calls of a few microseconds need dozens in
    /// flight or the worker idles between them; calls of milliseconds need none queued, and queueing them would only
    /// strand work behind a long call while another worker sits idle.
    /// </summary>
    public int AdaptiveWindow
    {
        get
        {
            var average = Volatile.Read(ref _averageServiceTicks);
            if (average == 0)
            {
                return 2;
            }

            var microseconds = average * 1_000_000 / Stopwatch.Frequency;
            return microseconds switch
            {
                < 25 => 64,
                < 100 => 16,
                < 400 => 4,
                < 2_000 => 2,
                _ => 1,
            };
        }
    }

    public bool Contains(long callId) => _calls.ContainsKey(callId);

    /// <summary>The call with this id, if the worker has it.</summary>
    public bool TryGet(long callId, [NotNullWhen(true)] out PendingCall? call) => _calls.TryGetValue(callId, out call);

    /// <summary>Adds a call behind the others; true if the worker was idle (the call starts running now).</summary>
    public bool Add(PendingCall call)
    {
        var idle = _calls.Count == 0;
        if (idle)
        {
            HeadSince = Stopwatch.GetTimestamp();
        }

        _calls.Add(call.CallId, call);
        Volatile.Write(ref _count, _calls.Count);
        if (call.IsStream)
        {
            Interlocked.Increment(ref _streams);
        }

        return idle;
    }

    /// <summary>Removes an answered (or skipped) call; if it was the head, the next call starts running now.</summary>
    public bool TryRemove(long callId, [NotNullWhen(true)] out PendingCall? call)
    {
        var wasHead = _calls.Count > 0 && _calls.GetAt(0).Key == callId;
        if (!_calls.Remove(callId, out call))
        {
            return false;
        }

        Volatile.Write(ref _count, _calls.Count);
        if (call.IsStream)
        {
            Interlocked.Decrement(ref _streams);
        }

        if (wasHead)
        {
            // How long this one ran feeds the average that sizes the prefetch window.
            var now = Stopwatch.GetTimestamp();
            var ran = now - HeadSince;
            var average = _averageServiceTicks;
            Volatile.Write(ref _averageServiceTicks, average == 0 ? ran : ((average * 7) + ran) / 8);
            HeadSince = now;
        }

        return true;
    }

    /// <summary>Takes back a call its channel refused: it never left, so it says nothing about how long calls run.</summary>
    public void Withdraw(long callId)
    {
        if (_calls.Remove(callId, out var call) && call.IsStream)
        {
            Interlocked.Decrement(ref _streams);
        }

        Volatile.Write(ref _count, _calls.Count);
    }

    /// <summary>Removes and returns every call, oldest first: the worker is gone.</summary>
    public List<PendingCall> TakeAll()
    {
        var calls = new List<PendingCall>(_calls.Values);
        _calls.Clear();
        Volatile.Write(ref _count, 0);
        Volatile.Write(ref _streams, 0);
        return calls;
    }
}
