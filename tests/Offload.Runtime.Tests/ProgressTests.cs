using Xunit.Abstractions;

namespace Offload.Runtime.Tests;

/// <summary>An <see cref="IProgress{T}"/> parameter: the worker's reports reach the caller's progress, in order, the last one before the call completes.</summary>
[Collection(SharedPoolCollection.Name)]
public sealed class ProgressTests(PoolFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private WorkerPool Pool => fixture.Pool;

    [Fact]
    public async Task Ten_thousand_reports_arrive_in_order_and_the_last_before_the_result()
    {
        var progress = new RecordingProgress<int>();
        Assert.Equal(10_000, await ObserverWorkloads.ReportAsync(Pool, 10_000, progress).WaitAsync(Timeout));

        // Read as soon as the task completed: the last report must already be there.
        var values = progress.Values;
        Assert.Equal(10_000, values[^1]);
        Assert.Equal(values.Distinct().Order(), values);
        Assert.False(progress.Overlapped);

        // What the reports cost the call, for the README: warm calls with and without 10,000 reports.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ObserverWorkloads.ReportAsync(Pool, 0, progress).WaitAsync(Timeout);
        var without = clock.Elapsed;
        clock.Restart();
        await ObserverWorkloads.ReportAsync(Pool, 10_000, new RecordingProgress<int>()).WaitAsync(Timeout);
        output.WriteLine($"no reports: {without.TotalMilliseconds:0.0} ms; 10,000 reports: {clock.Elapsed.TotalMilliseconds:0.0} ms");
    }

    [Fact]
    public async Task Reports_faster_than_the_caller_takes_them_are_coalesced()
    {
        var progress = new RecordingProgress<int>(delayMs: 20);
        Assert.Equal(10_000, await ObserverWorkloads.ReportAsync(Pool, 10_000, progress).WaitAsync(Timeout));

        var values = progress.Values;
        Assert.Equal(10_000, values[^1]);
        Assert.Equal(values.Distinct().Order(), values);

        // At 20 ms a report, delivering all 10,000 would take 200 s.
        Assert.InRange(values.Count, 1, 1_000);
        Assert.False(progress.Overlapped);
    }

    [Fact]
    public async Task Every_slow_report_arrives_and_a_void_call_completes_after_the_last()
    {
        var progress = new RecordingProgress<string>();
        await ObserverWorkloads.ReportStepsAsync(Pool, 5, 50, progress).WaitAsync(Timeout);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"step {i} of 5"), progress.Values);
    }

    [Fact]
    public async Task A_null_progress_is_allowed()
    {
        Assert.Equal(100, await ObserverWorkloads.ReportAsync(Pool, 100, null!).WaitAsync(Timeout));
    }

    [Fact]
    public async Task Progress_reaches_a_standard_Progress_of_T()
    {
        var received = new List<int>();
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new Progress<int>(value =>
        {
            lock (received)
            {
                received.Add(value);
            }

            if (value == 50)
            {
                last.TrySetResult();
            }
        });

        Assert.Equal(50, await ObserverWorkloads.ReportAsync(Pool, 50, progress).WaitAsync(Timeout));
        await last.Task.WaitAsync(Timeout);
    }
}
