using Xunit.Abstractions;

namespace Offload.Runtime.Tests;

/// <summary>A remote <see cref="AggregateException"/> with many inner exceptions, from a real worker.</summary>
public sealed class RemoteInnerExceptionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task All_1000_inner_exceptions_arrive_when_they_fit_the_frame()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });

        // Every inner exception arrived, so the aggregate is rebuilt with its own type (RemoteExceptionMode.OwnType).
        var error = await Assert.ThrowsAsync<AggregateException>(() => FaultWorkloads.ThrowManyAsync(pool, 1000, 10));

        Assert.Equal(1000, error.InnerExceptions.Count);
        Assert.DoesNotContain("left out", error.Message);
        for (var i = 0; i < 1000; i++)
        {
            var inner = Assert.IsType<InvalidOperationException>(error.InnerExceptions[i]);
            Assert.StartsWith($"inner {i} ", inner.Message);
            Assert.Contains(nameof(FaultWorkloads.ThrowMany), inner.StackTrace);
        }

        Assert.Same(error.InnerExceptions[0], error.InnerException);
    }

    [Fact]
    public async Task All_1000_inner_exceptions_arrive_as_RemoteInvocationExceptions_in_wrapped_mode()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, RemoteExceptions = RemoteExceptionMode.Wrapped });

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => FaultWorkloads.ThrowManyAsync(pool, 1000, 10));

        Assert.Equal(typeof(AggregateException).FullName, error.RemoteTypeName);
        Assert.Equal(1000, error.RemoteInnerExceptions.Count);
        Assert.Equal(0, error.RemoteInnerExceptionsOmitted);
        Assert.DoesNotContain("left out", error.Message);
        for (var i = 0; i < 1000; i++)
        {
            Assert.StartsWith($"inner {i} ", error.RemoteInnerExceptions[i].RemoteMessage);
            Assert.Contains(nameof(FaultWorkloads.ThrowMany), error.RemoteInnerExceptions[i].RemoteStackTrace);
        }

        Assert.Same(error.RemoteInnerExceptions[0], error.InnerException);
    }

    [Fact]
    public async Task Inner_exceptions_that_do_not_fit_the_frame_are_counted_and_said_to_be_left_out()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, MaxFrameBytes = 64 * 1024 });
        var pid = await Workloads.ProcessIdAsync(pool);

        // Some inner exceptions were left out: a rebuilt AggregateException could not say so, so it stays wrapped.
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => FaultWorkloads.ThrowManyAsync(pool, 1000, 200));

        var kept = error.RemoteInnerExceptions.Count;
        output.WriteLine($"{kept} inner exceptions arrived in a 64 KiB frame, {error.RemoteInnerExceptionsOmitted} left out");
        output.WriteLine(error.Message);

        // Before, 16 arrived whatever the frame, and nothing said that the rest were dropped.
        Assert.True(kept > 16, $"only {kept} inner exceptions arrived");
        Assert.Equal(1000, kept + error.RemoteInnerExceptionsOmitted);
        Assert.Contains($"{error.RemoteInnerExceptionsOmitted} more inner exceptions were left out", error.Message);
        for (var i = 0; i < kept; i++)
        {
            Assert.StartsWith($"inner {i} ", error.RemoteInnerExceptions[i].RemoteMessage);
        }

        Assert.Equal(pid, await Workloads.ProcessIdAsync(pool));
    }
}
