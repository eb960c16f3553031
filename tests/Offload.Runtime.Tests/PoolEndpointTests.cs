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
}
