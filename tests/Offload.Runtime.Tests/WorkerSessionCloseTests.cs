using System.Collections.Concurrent;
using System.Net.Sockets;
using Offload.Protocol;
using Offload.Worker;

namespace Offload.Runtime.Tests;

/// <summary>
/// How a real <see cref="WorkerSession"/> (in this process, over a socket whose other end the test holds as the pool)
/// takes its channel closing: after the pool's <c>Shutdown</c> it is expected, and says nothing; before it, it is the
/// pool gone, and it says so (on stderr, in a real worker).
/// </summary>
public sealed class WorkerSessionCloseTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("offload-close-").FullName;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_channel_closed_after_Shutdown_is_no_error_and_one_closed_before_it_is(bool shutdownFirst)
    {
        var (parent, server) = await ConnectAsync();
        using var pool = parent;
        var fatal = new ConcurrentQueue<string>();
        var session = new WorkerSession(new WorkerArguments("test", 1, ProtocolConstants.MinMaxFrameBytes), fatal.Enqueue);
        var run = Task.Run(() => session.RunAsync(server));

        await pool.SendAsync(FuzzFrames.Frame(FrameKind.Ping, 1, []));
        if (shutdownFirst)
        {
            await pool.SendAsync(FuzzFrames.Frame(FrameKind.Shutdown, 0, []));
            await TestHelpers.WaitUntilAsync(() => session.IsShuttingDownGracefully);
        }

        // The pong is in the pool's socket, unread: closing it now resets the connection (ECONNRESET on the worker's
        // side), the harshest way a channel can end; a pool that stops a worker may close it so.
        await TestHelpers.WaitUntilAsync(() => pool.Available > 0);
        pool.Close();

        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(10));
        if (shutdownFirst)
        {
            Assert.Empty(fatal);
            Assert.Equal(WorkerExitCodes.Success, exitCode);
        }
        else
        {
            var reason = Assert.Single(fatal);
            Assert.True(reason.Contains("closed the channel", StringComparison.Ordinal) || reason.Contains("reset", StringComparison.OrdinalIgnoreCase), reason);
            Assert.Equal(WorkerExitCodes.Failed, exitCode);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(Socket Parent, Socket Worker)> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "s")));
        listener.Listen(1);
        var parent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await parent.ConnectAsync(listener.LocalEndPoint!);
        return (parent, await listener.AcceptAsync());
    }
}
