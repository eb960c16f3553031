using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;

namespace Offload.Parent;

/// <summary>
/// The calls given to one worker and not answered yet, in the order they went into its channel. The worker runs them
/// one at a time in that order, so the oldest (the head) is the one running, since <see cref="HeadSince"/>. Also
/// keeps the average time a call runs, which sizes the worker's prefetch window. Not thread-safe: the worker's lock
/// guards it; only <see cref="Count"/> may be read without it.
/// </summary>
/// <remarks>
/// A ring buffer searched from the head, not a dictionary: answers come back in the order the calls went out, so the
/// call looked up is nearly always the head, and removing it is O(1). (An <c>OrderedDictionary</c> shifted every
/// entry behind a removed head, re-indexing each: a tenth of the parent's CPU with 65 calls in flight.) Only a call
/// skipped or looked up out of order costs a scan of the window.
/// </remarks>
internal sealed class InFlightLedger
{
    private PendingCall?[] _calls = new PendingCall?[4];
    private int _head;
    private int _size;
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
    public PendingCall? Head => _size == 0 ? null : _calls[_head];

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

    public bool Contains(long callId) => IndexOf(callId) >= 0;

    /// <summary>The call with this id, if the worker has it.</summary>
    public bool TryGet(long callId, [NotNullWhen(true)] out PendingCall? call)
    {
        var index = IndexOf(callId);
        call = index < 0 ? null : _calls[Slot(index)];
        return call is not null;
    }

    /// <summary>Adds a call behind the others; true if the worker was idle (the call starts running now).</summary>
    public bool Add(PendingCall call)
    {
        var idle = _size == 0;
        if (idle)
        {
            HeadSince = Stopwatch.GetTimestamp();
        }

        if (_size == _calls.Length)
        {
            Grow();
        }

        _calls[Slot(_size)] = call;
        _size++;
        Volatile.Write(ref _count, _size);
        if (call.IsStream)
        {
            Interlocked.Increment(ref _streams);
        }

        return idle;
    }

    /// <summary>Removes an answered (or skipped) call; if it was the head, the next call starts running now.</summary>
    public bool TryRemove(long callId, [NotNullWhen(true)] out PendingCall? call)
    {
        var index = IndexOf(callId);
        if (index < 0)
        {
            call = null;
            return false;
        }

        call = _calls[Slot(index)]!;
        var wasHead = index == 0;
        RemoveAt(index);
        Volatile.Write(ref _count, _size);
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
        var index = IndexOf(callId);
        if (index >= 0)
        {
            var call = _calls[Slot(index)]!;
            RemoveAt(index);
            if (call.IsStream)
            {
                Interlocked.Decrement(ref _streams);
            }
        }

        Volatile.Write(ref _count, _size);
    }

    /// <summary>Removes and returns every call, oldest first: the worker is gone.</summary>
    public List<PendingCall> TakeAll()
    {
        var calls = new List<PendingCall>(_size);
        for (var i = 0; i < _size; i++)
        {
            var slot = Slot(i);
            calls.Add(_calls[slot]!);
            _calls[slot] = null;
        }

        _head = 0;
        _size = 0;
        Volatile.Write(ref _count, 0);
        Volatile.Write(ref _streams, 0);
        return calls;
    }

    /// <summary>The array slot of the <paramref name="index"/>-th call from the head.</summary>
    private int Slot(int index)
    {
        var slot = _head + index;
        return slot < _calls.Length ? slot : slot - _calls.Length;
    }

    /// <summary>Where the call is counted from the head (0: the head, the usual answer), or -1.</summary>
    private int IndexOf(long callId)
    {
        for (var i = 0; i < _size; i++)
        {
            if (_calls[Slot(i)]!.CallId == callId)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Removes the call at <paramref name="index"/>: the head in O(1), any other by closing the gap behind it.</summary>
    private void RemoveAt(int index)
    {
        if (index == 0)
        {
            _calls[_head] = null;
            _head = Slot(1);
        }
        else
        {
            for (var i = index; i < _size - 1; i++)
            {
                _calls[Slot(i)] = _calls[Slot(i + 1)];
            }

            _calls[Slot(_size - 1)] = null;
        }

        _size--;
        if (_size == 0)
        {
            _head = 0;
        }
    }

    private void Grow()
    {
        var next = new PendingCall?[_calls.Length * 2];
        for (var i = 0; i < _size; i++)
        {
            next[i] = _calls[Slot(i)];
        }

        _calls = next;
        _head = 0;
    }
}
