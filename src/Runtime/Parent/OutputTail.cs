namespace Offload.Parent;

/// <summary>Keeps the last lines a worker wrote to standard error, for crash reports.</summary>
internal sealed class OutputTail(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        if (capacity == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_lines.Count == capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
        }
    }

    public string[] Snapshot()
    {
        lock (_lock)
        {
            return _lines.ToArray();
        }
    }
}
