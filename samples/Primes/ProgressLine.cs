using System.Diagnostics;
using System.Globalization;

namespace Offload.Samples.Primes;

/// <summary>
/// One run's live progress: segments done, numbers checked, primes found so far and the time, summed from the latest
/// report of every segment. On a terminal it is one line redrawn in place ten times a second; with output redirected
/// (CI logs) it prints a line every 2 s at most, and one when the run is done.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private static readonly TimeSpan TerminalRefresh = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RedirectedRefresh = TimeSpan.FromSeconds(2);

    private readonly string _label;
    private readonly long _totalNumbers;
    private readonly long[] _checked;
    private readonly long[] _found;
    private readonly bool _inPlace = !Console.IsOutputRedirected;
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private int _segmentsDone;
    private int _lastLength;
    private bool _closed;

    /// <summary>Starts showing the progress of a run over <paramref name="segments"/>.</summary>
    public ProgressLine(string label, IReadOnlyList<(long From, long To)> segments)
    {
        _label = label;
        _totalNumbers = segments.Sum(s => s.To - s.From);
        _checked = new long[segments.Count];
        _found = new long[segments.Count];
        var period = _inPlace ? TerminalRefresh : RedirectedRefresh;
        _timer = new Timer(_ => Render(final: false), null, period, period);
    }

    /// <summary>The progress of segment <paramref name="index"/>: each report is its running totals.</summary>
    public IProgress<(long Checked, long Found)> Segment(int index) => new SegmentProgress(this, index);

    /// <summary>Segment <paramref name="index"/> is done and found <paramref name="found"/> primes.</summary>
    public void Complete(int index, long found)
    {
        lock (_lock)
        {
            _found[index] = found;
            _segmentsDone++;
        }
    }

    /// <summary>Stops the display: a terminal line is cleared (the table tells the result), a redirected run prints its last line.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        Render(final: true);
    }

    private void Report(int index, (long Checked, long Found) value)
    {
        lock (_lock)
        {
            // Reports of one segment arrive in order, so the latest is the largest.
            _checked[index] = value.Checked;
            _found[index] = value.Found;
        }
    }

    private void Render(bool final)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = final;
            var line = string.Create(
                CultureInfo.InvariantCulture,
                $"{_label}: {_segmentsDone}/{_checked.Length} segments, {100.0 * _checked.Sum() / Math.Max(_totalNumbers, 1):0}% of {_totalNumbers:N0} checked, {_found.Sum():N0} primes so far, {_stopwatch.Elapsed.TotalSeconds:0.0} s");
            if (!_inPlace)
            {
                Console.WriteLine("progress: " + line);
                return;
            }

            // Cut to the terminal's width: a wrapped line could no longer be redrawn with '\r'.
            var width = Math.Max(TerminalWidth() - 1, 20);
            var text = final ? "" : line.Length > width ? line[..width] : line;
            Console.Write("\r" + text.PadRight(_lastLength) + (final ? "\r" : ""));
            _lastLength = text.Length;
        }
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            // No terminal to ask after all (output not redirected, but no window either).
            return 80;
        }
    }

    /// <summary>Feeds one segment's reports to its line.</summary>
    private sealed class SegmentProgress(ProgressLine line, int index) : IProgress<(long Checked, long Found)>
    {
        public void Report((long Checked, long Found) value) => line.Report(index, value);
    }
}
