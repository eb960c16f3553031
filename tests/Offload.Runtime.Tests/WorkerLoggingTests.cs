using Microsoft.Extensions.Logging;

namespace Offload.Runtime.Tests;

/// <summary>
/// What worker code logs (through an <see cref="ILogger"/> parameter or <see cref="OffloadWorker.LoggerFactory"/>) and
/// what workers print reach the pool's logger factory in the parent.
/// </summary>
public sealed class WorkerLoggingTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly RecordingLoggerProvider _provider = new();
    private ILoggerFactory _factory = null!;
    private WorkerPool _pool = null!;

    public async Task InitializeAsync()
    {
        _factory = LoggerFactory.Create(builder => builder.AddProvider(_provider).SetMinimumLevel(LogLevel.Trace));
        _pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, LoggerFactory = _factory });
        await _pool.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        _factory.Dispose();
    }

    [Fact]
    public async Task An_entry_keeps_its_category_level_event_message_state_exception_and_scopes()
    {
        var workerId = await ObserverWorkloads.LogEverythingAsync(_pool, "apples").WaitAsync(Timeout);
        Assert.Equal(_pool.Workers.Single().Id, workerId);

        var entry = await EntryAsync(e => e.EventId.Id == 42);
        Assert.Equal(typeof(LoggingCategory).FullName, entry.Category);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal("Processed", entry.EventId.Name);
        Assert.Equal("Processed apples with 3", entry.Message);
        Assert.Equal("apples", entry["Text"]);
        Assert.Equal("3", entry["Count"]);
        Assert.Equal("Processed {Text} with {Count}", entry["{OriginalFormat}"]);

        var exception = Assert.IsType<WorkerLoggedException>(entry.Exception);
        Assert.Equal("System.InvalidOperationException", exception.RemoteTypeName);
        Assert.Equal("boom", exception.Message);
        Assert.Contains("System.FormatException: inner", exception.ToString(), StringComparison.Ordinal);

        // The worker's scopes, inside one that names the worker and the method.
        var scopes = entry.ScopeValues.ToList();
        Assert.Contains(new KeyValuePair<string, object?>("OffloadWorkerId", workerId.ToString(System.Globalization.CultureInfo.InvariantCulture)), scopes);
        Assert.Contains(new KeyValuePair<string, object?>("OffloadMethod", "ObserverWorkloads.LogEverything(string, ILogger<LoggingCategory>)"), scopes);
        Assert.Contains(new KeyValuePair<string, object?>("ScopeValue", "7"), scopes);
        Assert.Contains(new KeyValuePair<string, object?>("RequestId", "r-1"), scopes);
        Assert.Contains(entry.Scopes, s => s?.ToString() == "Outer 7");
    }

    [Fact]
    public async Task The_static_accessor_logs_under_its_own_category()
    {
        await ObserverWorkloads.LogEverythingAsync(_pool, "pears").WaitAsync(Timeout);
        var entry = await EntryAsync(e => e.Category == "Deep.Category" && e.Message.Contains("5.5", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("deep in the stack: 5.5", entry.Message);
    }

    [Fact]
    public async Task Entries_below_the_worker_log_level_stay_in_the_worker()
    {
        await ObserverWorkloads.LogEverythingAsync(_pool, "plums").WaitAsync(Timeout);
        await EntryAsync(e => e.Category == "Deep.Category");
        Assert.DoesNotContain(_provider.Entries, e => e.Message.StartsWith("a debug entry", StringComparison.Ordinal));

        await using var verbose = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, LoggerFactory = _factory, WorkerLogLevel = LogLevel.Debug });
        await ObserverWorkloads.LogEverythingAsync(verbose, "figs").WaitAsync(Timeout);
        await EntryAsync(e => e.Message == "a debug entry for figs");
    }

    [Fact]
    public async Task Worker_output_lines_are_logged_when_the_pool_has_a_logger_factory()
    {
        await ObserverWorkloads.LogEverythingAsync(_pool, "cherries").WaitAsync(Timeout);
        var stdout = await EntryAsync(e => e.Category == WorkerPoolOptions.WorkerOutputCategory && e.Message.Contains("stdout: cherries", StringComparison.Ordinal));
        var stderr = await EntryAsync(e => e.Category == WorkerPoolOptions.WorkerOutputCategory && e.Message.Contains("stderr: cherries", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, stdout.Level);
        Assert.Equal(LogLevel.Warning, stderr.Level);
        Assert.Equal("stdout: cherries", stdout["Line"]);
    }

    [Fact]
    public async Task A_plain_logger_takes_the_containing_type_as_category()
    {
        Assert.True(await ObserverWorkloads.LogPlainAsync(_pool).WaitAsync(Timeout));
        var entry = await EntryAsync(e => e.Message == "plain");
        Assert.Equal(typeof(ObserverWorkloads).FullName, entry.Category);
    }

    [Fact]
    public async Task Without_a_logger_factory_a_logger_parameter_still_works()
    {
        await using var quiet = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, WorkerOutput = _ => { } });
        Assert.True(await ObserverWorkloads.LogPlainAsync(quiet).WaitAsync(Timeout));
        Assert.True(await ObserverWorkloads.LogEverythingAsync(quiet, "kiwis").WaitAsync(Timeout) > 0);
        Assert.DoesNotContain(_provider.Entries, e => e.Message.Contains("kiwis", StringComparison.Ordinal));
    }

    private async Task<RecordingLoggerProvider.Entry> EntryAsync(Func<RecordingLoggerProvider.Entry, bool> match)
    {
        await TestHelpers.WaitUntilAsync(() => _provider.Entries.Any(match));
        return _provider.Entries.First(match);
    }
}
