using System.Net.Sockets;
using Offload.Parent;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>The pool's channel is private to the current user and to processes that know the per-start secret.</summary>
public sealed class PoolEndpointTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_socket_lives_in_a_directory_only_the_current_user_can_open()
    {
        using var endpoint = PoolEndpoint.Create();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(endpoint.DirectoryPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(endpoint.SocketPath));
        Assert.Equal(ProtocolConstants.SecretSize, endpoint.Secret.Length);
    }

    [Fact]
    public void Each_endpoint_has_its_own_directory_and_secret()
    {
        using var first = PoolEndpoint.Create();
        using var second = PoolEndpoint.Create();

        Assert.NotEqual(first.DirectoryPath, second.DirectoryPath);
        Assert.NotEqual(first.Secret, second.Secret);
    }

    [Fact]
    public void Dispose_removes_the_directory()
    {
        var endpoint = PoolEndpoint.Create();
        endpoint.Dispose();
        Assert.False(Directory.Exists(endpoint.DirectoryPath));
    }

    [Theory]
    [InlineData("wrong secret")]
    [InlineData("not a hello")]
    [InlineData("silence")]
    public async Task A_connection_without_the_secret_is_refused_and_closed(string attack)
    {
        using var endpoint = PoolEndpoint.Create();
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = false;
        _ = endpoint.AcceptLoopAsync((_, _) => accepted = true, reason => refused.TrySetResult(reason), TimeSpan.FromMilliseconds(500));

        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.SocketPath));
        switch (attack)
        {
            case "wrong secret":
                await client.SendAsync(new HelloMessage { ProtocolVersion = ProtocolConstants.Version, WorkerId = 1, ProcessId = 1, Secret = new byte[ProtocolConstants.SecretSize] }.ToFrame());
                break;
            case "not a hello":
                var frame = new byte[FrameHeader.Size];
                new FrameHeader(FrameKind.Call, 0, 1, 0).Write(frame);
                await client.SendAsync(frame);
                break;
        }

        var reason = await refused.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(accepted);
        Assert.Contains(attack switch { "wrong secret" => "wrong secret", "not a hello" => "not Hello", _ => "no hello in time" }, reason);

        // The pool closed the connection: a read returns end-of-stream.
        var buffer = new byte[1];
        Assert.Equal(0, await client.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Connections_beyond_the_cap_close_the_longest_waiting_at_once_and_a_worker_still_gets_in()
    {
        const int Cap = 8;
        const int Idle = 100;
        using var endpoint = PoolEndpoint.Create();
        var refusals = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var hello = new TaskCompletionSource<HelloMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        // A deadline far beyond the test: any connection closed here was closed by the cap.
        _ = endpoint.AcceptLoopAsync((message, socket) => { hello.TrySetResult(message); socket.Dispose(); return true; }, refusals.Enqueue, TimeSpan.FromSeconds(60), Cap);

        var clients = new List<Socket>();
        var closed = new List<Task>();
        for (var i = 0; i < Idle; i++)
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.SocketPath));
            clients.Add(client);
            closed.Add(ClosedAsync(client));
        }

        // The first Idle - Cap are closed, in the order they came; the last Cap still wait.
        var dropped = Task.WhenAll(closed.Take(Idle - Cap));
        Assert.True(await Task.WhenAny(dropped, Task.Delay(TimeSpan.FromSeconds(20))) == dropped, $"{closed.Count(c => c.IsCompleted)} of {Idle - Cap} closed");
        await TestHelpers.WaitUntilAsync(() => refusals.Count == Idle - Cap);
        Assert.All(refusals, r => Assert.Contains($"{Cap} connections were already waiting for their hello", r));
        Assert.All(closed.Skip(Idle - Cap), c => Assert.False(c.IsCompleted));
        Assert.InRange(endpoint.PeakPendingConnections, 1, Cap);

        // A worker arriving now, with the cap full, makes room for itself and is handed over.
        using var worker = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await worker.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.SocketPath));
        await worker.SendAsync(new HelloMessage { ProtocolVersion = ProtocolConstants.Version, WorkerId = 3, ProcessId = 4, Secret = endpoint.Secret }.ToFrame());
        Assert.Equal(3, (await hello.Task.WaitAsync(TimeSpan.FromSeconds(10))).WorkerId);
        await closed[Idle - Cap].WaitAsync(TimeSpan.FromSeconds(10));

        // Disposing the endpoint closes the connections still waiting: nothing of the pool's stays open.
        endpoint.Dispose();
        await Task.WhenAll(closed).WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task A_connection_with_the_secret_is_handed_over()
    {
        using var endpoint = PoolEndpoint.Create();
        var hello = new TaskCompletionSource<HelloMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = endpoint.AcceptLoopAsync((message, socket) => { hello.TrySetResult(message); socket.Dispose(); return true; }, _ => { }, TimeSpan.FromSeconds(5));

        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.SocketPath));
        await client.SendAsync(new HelloMessage { ProtocolVersion = ProtocolConstants.Version, WorkerId = 7, ProcessId = 99, Secret = endpoint.Secret }.ToFrame());

        var received = await hello.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(7, received.WorkerId);
        Assert.Equal(99, received.ProcessId);
    }

    /// <summary>Completes when the endpoint closes the connection.</summary>
    private static async Task ClosedAsync(Socket client)
    {
        try
        {
            Assert.Equal(0, await client.ReceiveAsync(new byte[1]));
        }
        catch (SocketException)
        {
            // Reset rather than closed: closed all the same.
        }
    }
}
