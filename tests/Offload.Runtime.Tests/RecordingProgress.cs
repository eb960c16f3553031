namespace Offload.Runtime.Tests;

/// <summary>An <see cref="IProgress{T}"/> that records every report it gets, on the reporting thread, optionally slowly.</summary>
public sealed class RecordingProgress<T>(int delayMs = 0) : IProgress<T>
{
    private readonly List<T> _values = [];
    private int _concurrent;

    /// <summary>The reports, in the order they arrived.</summary>
    public List<T> Values
    {
        get
        {
            lock (_values)
            {
                return [.. _values];
            }
        }
    }

    /// <summary>True if two reports were ever delivered at the same time.</summary>
    public bool Overlapped { get; private set; }

    /// <inheritdoc />
    public void Report(T value)
    {
        if (Interlocked.Increment(ref _concurrent) > 1)
        {
            Overlapped = true;
        }

        if (delayMs > 0)
        {
            Thread.Sleep(delayMs);
        }

        lock (_values)
        {
            _values.Add(value);
        }

        Interlocked.Decrement(ref _concurrent);
    }
}
