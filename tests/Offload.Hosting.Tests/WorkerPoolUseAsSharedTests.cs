namespace Offload.Hosting.Tests;

/// <summary>
/// <see cref="WorkerPool.UseAsShared"/>, what a hosted pool relies on. Here rather than with the runtime's tests, whose
/// tests call <see cref="WorkerPool.Shared"/> side by side: this assembly runs one test at a time.
/// </summary>
public sealed class WorkerPoolUseAsSharedTests
{
    [Fact]
    public async Task Shared_is_the_pool_until_undone_and_then_the_process_wide_one_again()
    {
        var processWide = WorkerPool.Shared;
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });

        using (var use = WorkerPool.UseAsShared(pool))
        {
            Assert.Same(pool, WorkerPool.Shared);
            use.Dispose();
            Assert.Same(processWide, WorkerPool.Shared);
        }

        // Disposing it again undoes nothing more.
        Assert.Same(processWide, WorkerPool.Shared);
    }

    [Fact]
    public async Task The_last_pool_set_wins_and_undoing_it_brings_back_the_one_before_in_any_order()
    {
        var processWide = WorkerPool.Shared;
        await using var first = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        await using var second = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });

        var useFirst = WorkerPool.UseAsShared(first);
        var useSecond = WorkerPool.UseAsShared(second);
        Assert.Same(second, WorkerPool.Shared);

        useSecond.Dispose();
        Assert.Same(first, WorkerPool.Shared);

        useSecond = WorkerPool.UseAsShared(second);
        useFirst.Dispose();
        Assert.Same(second, WorkerPool.Shared);
        useSecond.Dispose();
        Assert.Same(processWide, WorkerPool.Shared);
    }

    [Fact]
    public async Task A_pool_that_shuts_down_stops_being_shared_by_itself()
    {
        var processWide = WorkerPool.Shared;
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        using var use = WorkerPool.UseAsShared(pool);

        await pool.DisposeAsync();

        Assert.Same(processWide, WorkerPool.Shared);
        var error = Assert.Throws<ObjectDisposedException>(() => WorkerPool.UseAsShared(pool));
        Assert.Contains("shut down", error.Message);
        Assert.Throws<ArgumentNullException>(() => WorkerPool.UseAsShared(null!));
    }
}
