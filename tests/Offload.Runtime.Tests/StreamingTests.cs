using System.Diagnostics;

namespace Offload.Runtime.Tests;

/// <summary>Methods that return <see cref="IAsyncEnumerable{T}"/>: items cross as the worker yields them, under flow control.</summary>
public sealed class StreamingTests : IAsyncLifetime, IDisposable
{
    private const int Window = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("offload-stream-").FullName;
    private WorkerPool _pool = null!;

    public async Task InitializeAsync()
    {
        _pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, StreamWindow = Window, WorkerOutput = _ => { } });
        await _pool.StartAsync();
    }

    public async Task DisposeAsync()
    {
        // A stream left running (a test that failed) must not hold the drain forever: it fails the test instead.
        try
        {
            await _pool.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            await _pool.ShutdownAsync(ShutdownMode.Kill);
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Items_arrive_in_order_and_as_the_worker_yields_them()
    {
        var clock = Stopwatch.StartNew();
        var items = new List<int>();
        TimeSpan? first = null;
        await foreach (var item in ObserverWorkloads.CountAsync(_pool, 5, failAt: -1, delayMs: 300))
        {
            first ??= clock.Elapsed;
            items.Add(item);
        }

        Assert.Equal([0, 1, 2, 3, 4], items);

        // The worker takes 1.5 s in all; the first item must not wait for the last.
        Assert.True(first < clock.Elapsed - TimeSpan.FromMilliseconds(900), $"first item after {first}, stream ended after {clock.Elapsed}");
        Assert.Equal(1, _pool.Statistics.CallsSucceeded);
    }

    [Fact]
    public async Task A_slow_consumer_stops_a_fast_producer_within_the_window()
    {
        var file = Path.Combine(_directory, "produced");
        await using var items = ObserverWorkloads.ProduceAsync(_pool, 10_000, file).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());

        // Took one item; the worker may produce the window beyond it, and one more that waits for credit.
        await Task.Delay(1_000);
        var produced = int.Parse(await File.ReadAllTextAsync(file), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(produced, Window - 1, 1 + Window + 1);

        var count = 1;
        while (await items.MoveNextAsync())
        {
            Assert.Equal(count++, items.Current);
        }

        Assert.Equal(10_000, count);
    }

    [Fact]
    public async Task Leaving_the_loop_early_cancels_the_enumeration_in_the_worker()
    {
        var file = Path.Combine(_directory, "break");
        await foreach (var item in ObserverWorkloads.ProduceAsync(_pool, 1_000_000, file))
        {
            if (item == 2)
            {
                break;
            }
        }

        await TestHelpers.WaitUntilAsync(() => File.Exists(file) && File.ReadAllText(file).StartsWith("canceled", StringComparison.Ordinal));
        Assert.Matches("^canceled at [0-9]+$", await File.ReadAllTextAsync(file));
        await TestHelpers.WaitUntilAsync(() => _pool.Workers.All(w => w.CallsInFlight == 0));

        // The worker serves again, and no worker was lost.
        Assert.Equal(3L, await Workloads.AddAsync(_pool, 1L, 2L).WaitAsync(Timeout));
        Assert.Equal(0, _pool.Statistics.WorkerCrashes);
    }

    [Fact]
    public async Task Canceling_the_token_ends_the_stream_and_the_enumeration_in_the_worker()
    {
        var file = Path.Combine(_directory, "cancel");
        using var cancel = new CancellationTokenSource();
        var items = new List<int>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in ObserverWorkloads.ProduceAsync(_pool, 1_000_000, file).WithCancellation(cancel.Token))
            {
                items.Add(item);
                if (item == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.Equal([0, 1, 2, 3], items);
        await TestHelpers.WaitUntilAsync(() => File.ReadAllText(file).StartsWith("canceled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_exception_after_some_items_comes_after_those_items()
    {
        var items = new List<int>();
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var item in ObserverWorkloads.CountAsync(_pool, 10, failAt: 3, delayMs: 0))
            {
                items.Add(item);
            }
        });

        Assert.Equal([0, 1, 2], items);
        Assert.Contains("failed at item 3", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error);
        Assert.Equal("System.InvalidOperationException", error.Data[RemoteExceptionData.RemoteType]);
    }

    [Fact]
    public async Task A_worker_crash_mid_stream_gives_the_items_so_far_then_WorkerCrashedException()
    {
        var items = new List<string>();
        var error = await Assert.ThrowsAsync<WorkerCrashedException>(async () =>
        {
            await foreach (var item in ObserverWorkloads.CrashAfterAsync(_pool, 3))
            {
                items.Add(item);
            }
        });

        Assert.Equal(["item 0", "item 1", "item 2"], items);
        Assert.Equal("ObserverWorkloads.CrashAfter(int)", error.MethodName);
        Assert.Equal(3L, await Workloads.AddAsync(_pool, 1L, 2L).WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_stream_is_never_retried_after_its_first_item()
    {
        var marker = Path.Combine(_directory, "runs");
        var items = new List<int>();
        await Assert.ThrowsAsync<WorkerCrashedException>(async () =>
        {
            await foreach (var item in ObserverWorkloads.CrashAfterFirstItemAsync(_pool, marker))
            {
                items.Add(item);
            }
        });

        Assert.Equal([1], items);
        Assert.Equal(["run"], await File.ReadAllLinesAsync(marker));
        Assert.Equal(0, _pool.Statistics.CallsRetried);
    }

    [Fact]
    public async Task A_stream_that_crashed_before_its_first_item_is_retried_under_MaxRetries()
    {
        var items = new List<int>();
        await foreach (var item in ObserverWorkloads.CrashBeforeFirstItemOnceAsync(_pool, Path.Combine(_directory, "once")))
        {
            items.Add(item);
        }

        Assert.Equal([1, 2, 3], items);
        Assert.Equal(1, _pool.Statistics.CallsRetried);
    }

    [Fact]
    public async Task Each_enumeration_runs_the_call_again()
    {
        var stream = ObserverWorkloads.CountAsync(_pool, 3, failAt: -1, delayMs: 0);
        Assert.Equal(0, _pool.Statistics.CallsSubmitted);
        Assert.Equal([0, 1, 2], await ToListAsync(stream));
        Assert.Equal([0, 1, 2], await ToListAsync(stream));
        Assert.Equal(2, _pool.Statistics.CallsSubmitted);
    }

    [Fact]
    public async Task A_stream_reports_progress_too()
    {
        var reports = new RecordingProgress<double>();
        var items = await ToListAsync(ObserverWorkloads.CountWithProgressAsync(_pool, 50, reports));
        Assert.Equal(Enumerable.Range(0, 50), items);
        Assert.Equal(1.0, reports.Values[^1]);
        Assert.Equal(reports.Values.Order(), reports.Values);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
