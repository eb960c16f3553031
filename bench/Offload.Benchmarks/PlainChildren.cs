using System.Diagnostics;
using System.Net.Sockets;

namespace Offload.Benchmarks;

/// <summary>
/// The baseline for worker start-up and idle memory: N plain .NET child processes (this program started again with
/// <see cref="ChildOption"/>, the same runtime, GC settings and redirected standard streams as a worker) that connect
/// back to a Unix socket and say hello, started in parallel. A plain child does nothing else but echo a byte on request,
/// so the difference to a worker is what Offload itself costs. Shared with bench/Offload.StartupProbe (compiled in).
/// </summary>
internal sealed class PlainChildren : IAsyncDisposable
{
    public const string ChildOption = "--plain-child";

    private readonly DirectoryInfo _directory;
    private readonly Socket _listener;
    private readonly List<Socket> _sockets = [];
    private Process[] _processes = [];

    private PlainChildren(DirectoryInfo directory, Socket listener)
    {
        _directory = directory;
        _listener = listener;
    }

    /// <summary>From the first Process.Start to the last hello.</summary>
    public TimeSpan ReadyTime { get; private set; }

    public IEnumerable<int> ProcessIds => _processes.Select(p => p.Id);

    /// <summary>The child's main: connect, say hello (its pid), echo each byte it gets, exit when the parent hangs up.</summary>
    public static int RunChild(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        socket.Send(BitConverter.GetBytes(Environment.ProcessId));
        var buffer = new byte[1];
        while (socket.Receive(buffer) > 0)
        {
            socket.Send(buffer);
        }

        return 0;
    }

    /// <summary>Starts <paramref name="count"/> children in parallel; completes when every one has connected and said hello.</summary>
    /// <param name="count">How many children.</param>
    /// <param name="startInfo">How to start this program again with <see cref="ChildOption"/> and the socket's path.</param>
    public static async Task<PlainChildren> StartAsync(int count, Func<string, ProcessStartInfo> startInfo)
    {
        var directory = Directory.CreateTempSubdirectory("offload-bench-");
        var socketPath = Path.Combine(directory.FullName, "plain.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(count);
        var children = new PlainChildren(directory, listener);

        var clock = Stopwatch.StartNew();
        var starts = Enumerable.Range(0, count).Select(_ => Task.Run(() =>
        {
            var info = startInfo(socketPath);
            info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
            return Process.Start(info) ?? throw new InvalidOperationException("A plain child could not be started.");
        })).ToArray();

        var hello = new byte[4];
        for (var i = 0; i < count; i++)
        {
            var socket = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));
            children._sockets.Add(socket);
            for (var received = 0; received < hello.Length;)
            {
                var n = await socket.ReceiveAsync(hello.AsMemory(received), SocketFlags.None);
                received += n > 0 ? n : throw new EndOfStreamException("A plain child hung up before its hello.");
            }
        }

        children.ReadyTime = clock.Elapsed;
        children._processes = await Task.WhenAll(starts);
        return children;
    }

    /// <summary>One byte there and back with every child (so each has run its echo path once).</summary>
    public async Task PingAllAsync()
    {
        var buffer = new byte[1];
        foreach (var socket in _sockets)
        {
            await socket.SendAsync(buffer.AsMemory(), SocketFlags.None);
            if (await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None) != 1)
            {
                throw new EndOfStreamException("A plain child hung up.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        foreach (var process in _processes)
        {
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                process.Kill();
            }

            process.Dispose();
        }

        _listener.Dispose();
        _directory.Delete(recursive: true);
    }
}
