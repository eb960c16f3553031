namespace Offload.Parent;

/// <summary>
/// The pool's queue of calls waiting for a worker: a ring-buffer deque, so that calls taken back from a worker that
/// died go to the front, ahead of newer calls, in their original order. Not thread-safe: the pool's lock guards it.
/// </summary>
internal sealed class CallQueue
{
    private PendingCall?[] _items = new PendingCall?[64];
    private int _head;
    private int _count;

    public int Count => _count;

    public void Enqueue(PendingCall call)
    {
        Grow();
        _items[(_head + _count) % _items.Length] = call;
        _count++;
    }

    /// <summary>Puts one call back at the front.</summary>
    public void EnqueueFront(PendingCall call)
    {
        Grow();
        _head = (_head - 1 + _items.Length) % _items.Length;
        _items[_head] = call;
        _count++;
    }

    /// <summary>Puts calls back at the front, keeping their order (<paramref name="calls"/>[0] comes out first).</summary>
    public void EnqueueFront(IReadOnlyList<PendingCall> calls)
    {
        for (var i = calls.Count - 1; i >= 0; i--)
        {
            EnqueueFront(calls[i]);
        }
    }

    /// <summary>Takes the oldest call that has not completed yet (canceled calls are dropped on the way).</summary>
    public bool TryDequeue(out PendingCall call)
    {
        while (_count > 0)
        {
            var next = _items[_head]!;
            _items[_head] = null;
            _head = (_head + 1) % _items.Length;
            _count--;
            if (!next.IsCompleted)
            {
                call = next;
                return true;
            }
        }

        call = null!;
        return false;
    }

    /// <summary>Removes and returns every call still waiting.</summary>
    public List<PendingCall> DrainAll()
    {
        var all = new List<PendingCall>(_count);
        while (TryDequeue(out var call))
        {
            all.Add(call);
        }

        return all;
    }

    /// <summary>True when no call that still needs a worker is queued.</summary>
    public bool IsEffectivelyEmpty()
    {
        while (_count > 0 && _items[_head]!.IsCompleted)
        {
            _items[_head] = null;
            _head = (_head + 1) % _items.Length;
            _count--;
        }

        return _count == 0;
    }

    private void Grow()
    {
        if (_count < _items.Length)
        {
            return;
        }

        var next = new PendingCall?[_items.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            next[i] = _items[(_head + i) % _items.Length];
        }

        _items = next;
        _head = 0;
    }
}
