using System.Diagnostics;
using System.Net.Sockets;

namespace Offload.StartupProbe;

/// <summary>
/// The baseline: this same app started again with --plain-child, with a worker's standard streams redirected and GC
/// settings, that connects back to a Unix socket, says hello (its pid) and echoes a byte on request.
/// </summary>
internal sealed class PlainChild : IDisposable
{
    private readonly DirectoryInfo _directory;
    private readonly Socket _listener;
    private readonly List<Socket> _sockets = [];
    private Process[] _processes = [];

    private PlainChild(DirectoryInfo directory, Socket listener)
    {
        _directory = directory;
        _listener = listener;
    }

    /// <summary>From the first Process.Start to the last hello.</summary>
    public TimeSpan ReadyTime { get; private set; }

    public IEnumerable<int> ProcessIds => _processes.Select(p => p.Id);

    public static int Run(string socketPath)
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

    public static async Task<PlainChild> StartAsync(int count)
    {
        var directory = Directory.CreateTempSubdirectory("offload-probe-");
        var socketPath = Path.Combine(directory.FullName, "plain.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(count);
        var children = new PlainChild(directory, listener);

        var clock = Stopwatch.StartNew();
        var starts = Enumerable.Range(0, count).Select(_ => Task.Run(() => Process.Start(StartInfo(socketPath)) ?? throw new InvalidOperationException("A plain child could not be started."))).ToArray();
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

    public void PingAll()
    {
        var buffer = new byte[1];
        foreach (var socket in _sockets)
        {
            socket.Send(buffer);
            if (socket.Receive(buffer) != 1)
            {
                throw new EndOfStreamException("A plain child hung up.");
            }
        }
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        foreach (var process in _processes)
        {
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
            }

            process.Dispose();
        }

        _listener.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>This app again, as the pool starts a worker: the executable itself, or dotnet exec of the entry assembly.</summary>
    private static ProcessStartInfo StartInfo(string socketPath)
    {
        var processPath = Environment.ProcessPath!;
        var info = new ProcessStartInfo(processPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add(typeof(PlainChild).Assembly.Location);
        }

        info.ArgumentList.Add("--plain-child");
        info.ArgumentList.Add(socketPath);
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_gcConcurrent"] = "0";
        return info;
    }
}
