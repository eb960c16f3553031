using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Offload.Runtime.Tests;

/// <summary>The category type of <see cref="ObserverWorkloads.LogEverything"/>'s typed logger.</summary>
public sealed class LoggingCategory
{
}

/// <summary>Methods that stream results, report progress and log, run in workers by the tests.</summary>
public static partial class ObserverWorkloads
{
    /// <summary>Yields 0 … count-1, waiting <paramref name="delayMs"/> before each; throws instead of yielding <paramref name="failAt"/>.</summary>
    [RunInWorkerProcess]
    public static async IAsyncEnumerable<int> Count(int count, int failAt, int delayMs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            if (delayMs > 0)
            {
                await Task.Delay(delayMs, cancellationToken);
            }

            if (i == failAt)
            {
                throw new InvalidOperationException($"failed at item {i}");
            }

            yield return i;
        }
    }

    /// <summary>
    /// Yields 0 … count-1 as fast as it may, writing the last index it produced to <paramref name="file"/> before
    /// each yield, and "canceled at N" once its enumeration is canceled or disposed early.
    /// </summary>
    [RunInWorkerProcess]
    public static async IAsyncEnumerable<int> Produce(int count, string file, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var produced = -1;
        var finished = false;
        try
        {
            for (var i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                produced = i;
                await File.WriteAllTextAsync(file, i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
                yield return i;
            }

            finished = true;
        }
        finally
        {
            if (!finished)
            {
                File.WriteAllText(file, $"canceled at {produced}");
            }
        }
    }

    /// <summary>Yields <paramref name="items"/> strings, then kills its own worker.</summary>
    [RunInWorkerProcess]
    public static async IAsyncEnumerable<string> CrashAfter(int items)
    {
        for (var i = 0; i < items; i++)
        {
            yield return $"item {i}";
        }

        // Lets the items leave before the worker dies.
        await Task.Delay(200);
        Process.GetCurrentProcess().Kill();
        yield return "never";
    }

    /// <summary>Retried on a crash: yields one item, then kills its worker; the caller must see the crash, not a retry.</summary>
    [RunInWorkerProcess(MaxRetries = 2)]
    public static async IAsyncEnumerable<int> CrashAfterFirstItem(string marker)
    {
        File.AppendAllText(marker, "run\n");
        yield return 1;
        await Task.Delay(200);
        Process.GetCurrentProcess().Kill();
    }

    /// <summary>Retried on a crash: kills its worker the first time before any item, then yields 1, 2, 3.</summary>
    [RunInWorkerProcess(MaxRetries = 2)]
    public static async IAsyncEnumerable<int> CrashBeforeFirstItemOnce(string marker)
    {
        if (!File.Exists(marker))
        {
            File.WriteAllText(marker, "crashed");
            Process.GetCurrentProcess().Kill();
        }

        for (var i = 1; i <= 3; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    /// <summary>A stream that also reports progress: the share of items yielded so far.</summary>
    [RunInWorkerProcess]
    public static async IAsyncEnumerable<int> CountWithProgress(int count, IProgress<double> progress)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            progress.Report((i + 1) / (double)count);
            yield return i;
        }
    }

    /// <summary>Reports 1 … <paramref name="reports"/> as fast as it can; returns how many it made.</summary>
    [RunInWorkerProcess]
    public static int Report(int reports, IProgress<int> progress)
    {
        for (var i = 1; i <= reports; i++)
        {
            progress.Report(i);
        }

        return reports;
    }

    /// <summary>Reports a text per step, <paramref name="delayMs"/> apart, and completes with no result.</summary>
    [RunInWorkerProcess]
    public static async Task ReportSteps(int steps, int delayMs, IProgress<string> progress, CancellationToken cancellationToken)
    {
        for (var i = 1; i <= steps; i++)
        {
            await Task.Delay(delayMs, cancellationToken);
            progress.Report($"step {i} of {steps}");
        }
    }

    /// <summary>Logs through its typed logger, inside scopes, with an exception; then through the static accessor; then writes output lines.</summary>
    [RunInWorkerProcess]
    public static int LogEverything(string text, ILogger<LoggingCategory> logger)
    {
        using (logger.BeginScope("Outer {ScopeValue}", 7))
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = "r-1" }))
        {
            logger.LogWarning(new EventId(42, "Processed"), new InvalidOperationException("boom", new FormatException("inner")), "Processed {Text} with {Count}", text, 3);
        }

        logger.LogDebug("a debug entry for {Text}", text);
        OffloadWorker.LoggerFactory.CreateLogger("Deep.Category").LogInformation("deep in the stack: {Value}", 5.5);
        Console.WriteLine($"stdout: {text}");
        Console.Error.WriteLine($"stderr: {text}");
        return OffloadWorker.WorkerId ?? -1;
    }

    /// <summary>Takes a plain logger, whose category is this type's full name.</summary>
    [RunInWorkerProcess]
    public static bool LogPlain(ILogger logger)
    {
        logger.LogInformation("plain");
        return OffloadWorker.IsWorker;
    }
}
