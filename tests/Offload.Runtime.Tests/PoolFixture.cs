namespace Offload.Runtime.Tests;

/// <summary>One pool of two workers shared by the tests that do not break workers on purpose.</summary>
public sealed class PoolFixture : IAsyncLifetime
{
    /// <summary>Lines the workers wrote, for output-forwarding tests.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<WorkerOutputLine> Output { get; } = new();

    /// <summary>The shared pool.</summary>
    public WorkerPool Pool { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = Output.Enqueue });
        await Pool.StartAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await Pool.DisposeAsync();
}

/// <summary>Tests that share <see cref="PoolFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPoolCollection : ICollectionFixture<PoolFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "shared pool";
}
