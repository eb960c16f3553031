namespace Offload.Runtime.Tests;

/// <summary>
/// What the caller of a method that throws in a real worker gets, in each <see cref="RemoteExceptionMode"/>: the
/// worker's own exception type where the parent can build it (the default), a <see cref="RemoteInvocationException"/>
/// otherwise or when asked for.
/// </summary>
[Collection(SharedPoolCollection.Name)]
public sealed class RemoteExceptionModeTests(PoolFixture fixture)
{
    private readonly WorkerPool _pool = fixture.Pool;

    [Fact]
    public async Task Catch_ArgumentException_works_around_an_offloaded_call_and_keeps_its_message_and_parameter()
    {
        ArgumentException? caught = null;
        try
        {
            await RemoteExceptionWorkloads.ThrowArgumentAsync(_pool, "width", "Must be even.");
        }
        catch (ArgumentException ex)
        {
            caught = ex;
        }

        Assert.NotNull(caught);
        Assert.Equal(typeof(ArgumentException), caught.GetType());
        Assert.Equal("width", caught.ParamName);
        Assert.Equal(new ArgumentException("Must be even.", "width").Message, caught.Message);

        var outOfRange = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RemoteExceptionWorkloads.ThrowOutOfRangeAsync(_pool, -5));
        Assert.Equal("count", outOfRange.ParamName);
        Assert.Equal("-5", outOfRange.ActualValue);
        Assert.Equal(new ArgumentOutOfRangeException("count", -5, "Must be positive.").Message, outOfRange.Message);

        var missing = await Assert.ThrowsAsync<ArgumentNullException>(() => RemoteExceptionWorkloads.ThrowNullAsync(_pool));
        Assert.Equal("name", missing.ParamName);
        Assert.Equal(new ArgumentNullException("name").Message, missing.Message);
    }

    [Fact]
    public async Task The_stack_trace_shows_the_workers_frames_then_the_callers()
    {
        string? stack = null;
        try
        {
            await RemoteExceptionWorkloads.ThrowArgumentAsync(_pool, "width", "Must be even.");
        }
        catch (ArgumentException ex)
        {
            stack = ex.StackTrace!;
        }

        Assert.NotNull(stack);
        var worker = stack.IndexOf("RemoteExceptionWorkloads.ThrowArgument(", StringComparison.Ordinal);
        var boundary = stack.IndexOf("--- End of stack trace from previous location ---", StringComparison.Ordinal);
        var caller = stack.IndexOf(nameof(The_stack_trace_shows_the_workers_frames_then_the_callers), StringComparison.Ordinal);
        Assert.True(worker >= 0 && boundary > worker && caller > boundary, stack);
    }

    [Fact]
    public async Task Data_holds_the_remote_type_the_worker_and_the_method()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => RemoteExceptionWorkloads.ThrowArgumentAsync(_pool, "width", "Must be even."));

        Assert.Equal("System.ArgumentException", error.Data[RemoteExceptionData.RemoteType]);
        Assert.Equal("RemoteExceptionWorkloads.ThrowArgument(string, string)", error.Data[RemoteExceptionData.Method]);
        var workerId = Assert.IsType<int>(error.Data[RemoteExceptionData.WorkerId]);
        Assert.Contains(workerId, _pool.Workers.Select(w => w.Id));
    }

    [Fact]
    public async Task A_user_exception_type_with_a_message_constructor_comes_back_as_its_type_with_its_inner_exception()
    {
        var quota = await Assert.ThrowsAsync<QuotaExceededException>(() => RemoteExceptionWorkloads.ThrowQuotaAsync(_pool, "over quota"));
        Assert.Equal("over quota", quota.Message);
        Assert.Contains(nameof(RemoteExceptionWorkloads.ThrowQuota), quota.StackTrace);

        var stage = await Assert.ThrowsAsync<StageFailedException>(() => RemoteExceptionWorkloads.ThrowWrappingAsync(_pool, "stage failed"));
        var inner = Assert.IsType<KeyNotFoundException>(stage.InnerException);
        Assert.Equal("no stage 'parse'", inner.Message);
        Assert.Equal(typeof(KeyNotFoundException).FullName, inner.Data[RemoteExceptionData.RemoteType]);
    }

    [Fact]
    public async Task A_user_exception_type_without_a_usable_constructor_comes_back_as_RemoteInvocationException()
    {
        var coded = await Assert.ThrowsAsync<RemoteInvocationException>(() => RemoteExceptionWorkloads.ThrowCodedAsync(_pool, 42));
        Assert.Equal(typeof(CodedException).FullName, coded.RemoteTypeName);
        Assert.Equal("failed with code 42", coded.RemoteMessage);
        Assert.Equal(typeof(CodedException).FullName, coded.Data[RemoteExceptionData.RemoteType]);

        // A (string) constructor would drop the inner exception: nothing is lost instead.
        var audit = await Assert.ThrowsAsync<RemoteInvocationException>(() => RemoteExceptionWorkloads.ThrowAuditWithInnerAsync(_pool));
        Assert.Equal(typeof(AuditFailedException).FullName, audit.RemoteTypeName);
        Assert.Equal(typeof(InvalidDataException).FullName, Assert.IsType<RemoteInvocationException>(audit.InnerException).RemoteTypeName);
    }

    [Fact]
    public async Task An_AggregateException_comes_back_with_each_inner_exception_by_the_same_rule()
    {
        var error = await Assert.ThrowsAsync<AggregateException>(() => RemoteExceptionWorkloads.ThrowAggregateAsync(_pool));

        Assert.Equal(4, error.InnerExceptions.Count);
        Assert.Equal("width", Assert.IsType<ArgumentException>(error.InnerExceptions[0]).ParamName);
        Assert.Equal("over quota", Assert.IsType<QuotaExceededException>(error.InnerExceptions[1]).Message);
        Assert.Equal(typeof(CodedException).FullName, Assert.IsType<RemoteInvocationException>(error.InnerExceptions[2]).RemoteTypeName);
        Assert.Equal("no model file", Assert.IsType<FileNotFoundException>(error.InnerExceptions[3]).Message);

        // The message is the one it was made with, followed once by each inner exception's, as in-process.
        Assert.StartsWith("several stages failed (bad width (Parameter 'width')) (over quota) (", error.Message);
        Assert.EndsWith(" (no model file)", error.Message);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(error.Message, "over quota"));
    }

    [Fact]
    public async Task An_OperationCanceledException_the_caller_did_not_ask_for_stays_RemoteInvocationException()
    {
        var call = RemoteExceptionWorkloads.GiveUpInWorkerAsync(_pool);
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => call);

        Assert.Equal(typeof(TaskCanceledException).FullName, error.RemoteTypeName);
        Assert.True(call.IsFaulted, "a cancellation in the worker is a failure of the call, not the caller's cancellation");
    }

    [Fact]
    public async Task A_map_items_inner_exception_has_its_own_type()
    {
        var error = await Assert.ThrowsAsync<MapItemException>(async () =>
        {
            await foreach (var _ in RemoteExceptionWorkloads.ThrowArgumentMapAsync([("height", "Must be odd.")], pool: _pool))
            {
            }
        });

        Assert.Equal(0, error.Index);
        Assert.Contains("threw System.ArgumentException in worker", error.Message);
        var inner = Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Equal("height", inner.ParamName);
        Assert.Equal("RemoteExceptionWorkloads.ThrowArgument(string, string)", inner.Data[RemoteExceptionData.Method]);
        Assert.Equal(error.WorkerId, inner.Data[RemoteExceptionData.WorkerId]);
    }

    [Fact]
    public async Task Wrapped_mode_keeps_every_exception_a_RemoteInvocationException_as_before()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1, RemoteExceptions = RemoteExceptionMode.Wrapped });

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => Workloads.FailAsync(pool, "boom"));
        Assert.Equal("System.InvalidOperationException", error.RemoteTypeName);
        Assert.Equal("boom", error.RemoteMessage);
        Assert.Equal("Workloads.Fail(string)", error.MethodName);
        Assert.Contains("Workloads.Fail(string)", error.Message);
        Assert.Contains(nameof(Workloads.Fail), error.RemoteStackTrace);
        Assert.NotNull(error.WorkerId);
        Assert.Equal(error.WorkerId, error.Data[RemoteExceptionData.WorkerId]);
        var inner = Assert.IsType<RemoteInvocationException>(error.InnerException);
        Assert.Equal("System.ArgumentException", inner.RemoteTypeName);
        Assert.Equal("inner cause", inner.RemoteMessage);
        Assert.Equal("System.ArgumentException", inner.Data[RemoteExceptionData.RemoteType]);
        Assert.Contains("Remote stack trace", error.ToString());

        var item = await Assert.ThrowsAsync<MapItemException>(async () =>
        {
            await foreach (var _ in RemoteExceptionWorkloads.ThrowArgumentMapAsync([("height", "Must be odd.")], pool: pool))
            {
            }
        });
        Assert.Equal(typeof(ArgumentException).FullName, Assert.IsType<RemoteInvocationException>(item.InnerException).RemoteTypeName);
    }
}
