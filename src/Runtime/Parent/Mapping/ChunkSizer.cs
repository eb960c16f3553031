namespace Offload.Parent;

/// <summary>
/// Decides how many items the next chunk of a map takes. With <see cref="MapOptions.ChunkSize"/> set, always that many.
/// Otherwise: 1 item first, then twice the previous size while no chunk has come back; once chunks come back, the
/// size that would run for the target duration at the measured time per item, growing at most 4× per chunk (one
/// short chunk must not make the next one huge) and shrinking at once; never more than <see cref="MaxAutomaticItems"/>
/// items, nor more than the byte budget at the measured argument and result sizes.
/// </summary>
/// <remarks>
/// The time per item is what the workers report for running the items (<see cref="Protocol.BatchLayout"/>), not the round trip:
/// queueing behind other chunks would otherwise read as slow items and keep chunks needlessly small. Thread-safe:
/// the producer asks for sizes while channels' read loops report chunks.
/// </remarks>
internal sealed class ChunkSizer
{
    /// <summary>
    /// The largest automatic chunk. Beyond it messages cost next to nothing per item anyway (a chunk's fixed cost is
    /// tens of microseconds), while the consumer would wait longer for a chunk and hold more memory per chunk.
    /// </summary>
    public const int MaxAutomaticItems = 64 * 1024;

    /// <summary>The byte budget of an automatic chunk's arguments or results, before the frame limit is considered.</summary>
    private const int MaxAutomaticBytes = 4 * 1024 * 1024;

    /// <summary>How much the latest measurement weighs against the history (an exponential moving average).</summary>
    private const double Smoothing = 0.5;

    private readonly Lock _lock = new();
    private readonly int? _fixedSize;
    private readonly double _targetNanoseconds;
    private readonly long _byteBudget;
    private int _lastSize;
    private double _nanosecondsPerItem = -1;
    private double _argumentBytesPerItem;
    private double _resultBytesPerItem;

    /// <param name="fixedSize">The user's chunk size, or null for automatic sizing.</param>
    /// <param name="target">How long a chunk should run.</param>
    /// <param name="maxFrameBytes">The pool's frame limit: automatic chunks aim for a quarter of it at most.</param>
    public ChunkSizer(int? fixedSize, TimeSpan target, int maxFrameBytes)
    {
        _fixedSize = fixedSize;
        _targetNanoseconds = target.Ticks * (double)TimeSpan.NanosecondsPerTick;
        _byteBudget = ByteBudget(maxFrameBytes);
    }

    /// <summary>
    /// What an automatic chunk's arguments, or its results, may take: a quarter of the frame limit (so that a chunk of
    /// items a little larger than measured still fits), and no more than 4 MiB (beyond which bigger chunks gain nothing).
    /// </summary>
    public static long ByteBudget(int maxFrameBytes) => Math.Min(maxFrameBytes / 4, MaxAutomaticBytes);

    /// <summary>The size of the chunk about to be filled.</summary>
    public int NextSize()
    {
        if (_fixedSize is { } size)
        {
            return size;
        }

        lock (_lock)
        {
            long next;
            if (_lastSize == 0)
            {
                next = 1;
            }
            else if (_nanosecondsPerItem < 0)
            {
                next = 2L * _lastSize;
            }
            else
            {
                var wanted = _targetNanoseconds / Math.Max(_nanosecondsPerItem, 0.1);
                next = (long)Math.Min(wanted, 4.0 * _lastSize);
            }

            var bytesPerItem = Math.Max(_argumentBytesPerItem, _resultBytesPerItem);
            if (bytesPerItem > 0)
            {
                next = Math.Min(next, (long)(_byteBudget / bytesPerItem));
            }

            _lastSize = (int)Math.Clamp(next, 1, MaxAutomaticItems);
            return _lastSize;
        }
    }

    /// <summary>What <paramref name="count"/> items' arguments should take, from the chunks encoded so far (0 before the first).</summary>
    public long ExpectedArgumentBytes(int count)
    {
        lock (_lock)
        {
            // A little over the average, so that a chunk of slightly larger items still fits without growing.
            return (long)(count * _argumentBytesPerItem * 1.125);
        }
    }

    /// <summary>Learns the arguments' size from a chunk just encoded.</summary>
    public void OnEncoded(int count, int argumentBytes)
    {
        if (count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _argumentBytesPerItem = Average(_argumentBytesPerItem, (double)argumentBytes / count);
        }
    }

    /// <summary>Learns the time per item and the results' size from a chunk that came back.</summary>
    public void OnCompleted(int count, long workerNanoseconds, long resultBytes)
    {
        if (_fixedSize is not null || count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _nanosecondsPerItem = _nanosecondsPerItem < 0 ? (double)workerNanoseconds / count : Average(_nanosecondsPerItem, (double)workerNanoseconds / count);
            _resultBytesPerItem = Average(_resultBytesPerItem, (double)resultBytes / count);
        }
    }

    private static double Average(double history, double latest) => history <= 0 ? latest : (Smoothing * latest) + ((1 - Smoothing) * history);
}
