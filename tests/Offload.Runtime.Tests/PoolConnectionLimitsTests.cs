using System.Diagnostics;
using System.Net.Sockets;
using Offload.Transport;
using Xunit.Abstractions;

namespace Offload.Runtime.Tests;

/// <summary>
/// Connections to a real pool's socket that never say hello: each is closed within the hello deadline, no more than
/// the cap wait at once, the pool counts them, and real workers still get in while a flood of them is open.
/// </summary>
public sealed class PoolConnectionLimitsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_idle_connection_is_closed_within_the_hello_deadline_and_counted()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        await pool.StartAsync();

        using var client = await ConnectAsync(pool);
        var lifetime = Stopwatch.StartNew();
        var closed = await ClosedByPeerAsync(client).WaitAsync(TimeSpan.FromSeconds(40));
        lifetime.Stop();

        output.WriteLine($"an idle connection lived {lifetime.ElapsedMilliseconds} ms");
        Assert.True(closed, "the pool sent data to a connection that never said hello");

        // The deadline is 2 s; the rest is slack for a loaded machine. Before the deadline it was StartTimeout (30 s).
        Assert.True(lifetime.Elapsed < TimeSpan.FromSeconds(10), $"an idle connection lived {lifetime.ElapsedMilliseconds} ms");
        await TestHelpers.WaitUntilAsync(() => pool.Statistics.ConnectionsRefused == 1);
        Assert.Equal(3L, await Workloads.AddAsync(pool, 1L, 2L));
    }

    [Fact]
    public async Task A_flood_of_idle_connections_holds_at_most_the_cap_and_a_replacement_worker_still_gets_in()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } });
        await pool.StartAsync();
        var cap = pool.Endpoint.MaxPendingConnections;
        var descriptorsBefore = OpenDescriptors();

        var clients = new List<Socket>();
        var closed = new List<Task<bool>>();
        var flood = Stopwatch.StartNew();
        await OpenIdleAsync(pool, 500, clients, closed);
        output.WriteLine($"500 idle connections opened in {flood.ElapsedMilliseconds} ms");

        // The pool holds one descriptor per connection it has not closed; this process holds the clients' 500 more.
        var heldByPool = OpenDescriptors() - descriptorsBefore - clients.Count;
        output.WriteLine($"descriptors the pool held for them right after: {heldByPool} (cap {cap}; other tests may open some too)");

        // A worker dies while the flood goes on: its replacement must connect and serve even though idle connections keep
        // arriving, 20 every 50 ms (the cap must not lock workers out).
        var victim = pool.Workers[0].ProcessId;
        TestHelpers.Kill(victim);
        var replacing = Stopwatch.StartNew();
        while (!(pool.Workers.Count == 2 && pool.Workers.All(w => w.ProcessId != victim)))
        {
            Assert.True(replacing.Elapsed < TimeSpan.FromSeconds(60), "no replacement worker got in during the flood");
            await OpenIdleAsync(pool, 20, clients, closed);
            await Task.Delay(50);
        }

        output.WriteLine($"the replacement was serving {replacing.ElapsedMilliseconds} ms after the kill, with {clients.Count} idle connections opened so far");
        Assert.Equal(3L, await Workloads.AddAsync(pool, 1L, 2L));

        // Every idle connection is closed by the pool: made room for at once, or dropped at its deadline.
        var all = Task.WhenAll(closed);
        Assert.True(await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(20))) == all, $"{closed.Count(c => !c.IsCompleted)} of {closed.Count} idle connections still open after 20 s");
        Assert.All(closed, c => Assert.True(c.Result));
        output.WriteLine($"all {clients.Count} closed {flood.ElapsedMilliseconds} ms after the flood began; at most {pool.Endpoint.PeakPendingConnections} waited at once");
        Assert.InRange(pool.Endpoint.PeakPendingConnections, 1, cap);
        await TestHelpers.WaitUntilAsync(() => pool.Statistics.ConnectionsRefused >= clients.Count);

        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static async Task<Socket> ConnectAsync(WorkerPool pool)
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(pool.DirectoryPath!, PrivateDirectory.SocketFileName)));
        return client;
    }

    private static async Task OpenIdleAsync(WorkerPool pool, int count, List<Socket> clients, List<Task<bool>> closed)
    {
        for (var i = 0; i < count; i++)
        {
            var client = await ConnectAsync(pool);
            clients.Add(client);
            closed.Add(ClosedByPeerAsync(client));
        }
    }

    /// <summary>Completes when the peer closes the connection: true, or false if it sent something instead.</summary>
    private static async Task<bool> ClosedByPeerAsync(Socket socket)
    {
        try
        {
            return await socket.ReceiveAsync(new byte[1]) == 0;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}
