using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace Offload.Benchmarks;

/// <summary>
/// The raw channel under Offload: a Unix domain socket between this process and a child process (this same program
/// started with <see cref="ChildOption"/>, using blocking calls). Three measurements, each with its own child:
/// <list type="bullet">
/// <item>ping-pong of a 16-byte message, with blocking Send/Receive here and again with awaited SendAsync/ReceiveAsync
/// (which pays for the socket engine and thread-pool hops that any async transport, Offload's included, pays);</item>
/// <item>pipelined 16-byte messages: N sent in batches while a second thread reads the N echoes (messages/s), once
/// with a child that answers each message with its own write, as a worker answers each call (the goal's baseline),
/// and once with a child that echoes all the whole messages one read brought in one write (an upper bound);</item>
/// <item>a byte[] echo: a length-prefixed payload that the child reads completely, then sends back (MiB/s).</item>
/// </list>
/// </summary>
internal static class SocketBaseline
{
    public const string ChildOption = "--socket-echo-child";
    private const int MessageSize = 16;
    private const int MessagesPerBatch = 1024;
    private const string PingPongMode = "ping-pong";
    private const string StreamMode = "stream";
    private const string StreamEachMode = "stream-each";
    private const string FramedMode = "framed";

    /// <summary>The child's main: connect, then echo in <paramref name="mode"/> until the parent closes the connection.</summary>
    public static int RunEchoChild(string socketPath, string mode)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        switch (mode)
        {
            case PingPongMode:
            {
                var buffer = new byte[MessageSize];
                while (ReceiveExactly(socket, buffer))
                {
                    socket.Send(buffer);
                }

                break;
            }

            case StreamMode or StreamEachMode:
            {
                // Reads are buffered; the echo goes out either one write per message, or one per read (all whole messages).
                var buffer = new byte[64 * 1024];
                var held = 0;
                while (socket.Receive(buffer, held, buffer.Length - held, SocketFlags.None) is var n and > 0)
                {
                    held += n;
                    var whole = held - (held % MessageSize);
                    if (mode == StreamEachMode)
                    {
                        for (var offset = 0; offset < whole; offset += MessageSize)
                        {
                            SendAll(socket, buffer.AsSpan(offset, MessageSize));
                        }
                    }
                    else
                    {
                        SendAll(socket, buffer.AsSpan(0, whole));
                    }

                    buffer.AsSpan(whole, held - whole).CopyTo(buffer);
                    held -= whole;
                }

                break;
            }

            case FramedMode:
            {
                var header = new byte[4];
                var payload = Array.Empty<byte>();
                while (ReceiveExactly(socket, header))
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                    if (payload.Length != length)
                    {
                        payload = new byte[length];
                    }

                    ReceiveExactly(socket, payload);
                    SendAll(socket, header);
                    SendAll(socket, payload);
                }

                break;
            }

            default:
                Console.Error.WriteLine($"Unknown echo mode '{mode}'.");
                return 2;
        }

        return 0;
    }

    /// <summary>Ping-pong, blocking and awaited, on one connection: the floor under a round trip.</summary>
    public static async Task MeasurePingPongAsync(BenchmarkSettings settings, ResultTable table, Findings findings)
    {
        await using var child = await EchoChild.StartAsync(PingPongMode);
        var socket = child.Socket;
        var message = new byte[MessageSize];
        var reply = new byte[MessageSize];
        var blockingSamples = new long[settings.SocketRoundTrips];
        var blockingCpu = new CpuMeter();
        for (var i = -settings.SocketWarmupRoundTrips; i < blockingSamples.Length; i++)
        {
            if (i == 0)
            {
                blockingCpu.Start();
            }

            BitConverter.TryWriteBytes(message, i);
            var start = Stopwatch.GetTimestamp();
            socket.Send(message);
            ReceiveExactly(socket, reply);
            var elapsed = Stopwatch.GetTimestamp() - start;
            Check(message, reply);
            if (i >= 0)
            {
                blockingSamples[i] = elapsed;
            }
        }

        blockingCpu.Stop();
        var asyncSamples = new long[settings.SocketRoundTrips];
        var asyncCpu = new CpuMeter();
        for (var i = -settings.SocketWarmupRoundTrips; i < asyncSamples.Length; i++)
        {
            if (i == 0)
            {
                asyncCpu.Start();
            }

            BitConverter.TryWriteBytes(message, i);
            var start = Stopwatch.GetTimestamp();
            await socket.SendAsync(message.AsMemory(), SocketFlags.None);
            await ReceiveExactlyAsync(socket, reply);
            var elapsed = Stopwatch.GetTimestamp() - start;
            Check(message, reply);
            if (i >= 0)
            {
                asyncSamples[i] = elapsed;
            }
        }

        asyncCpu.Stop();
        var blocking = LatencySummary.FromStopwatchTicks(blockingSamples);
        var awaited = LatencySummary.FromStopwatchTicks(asyncSamples);
        findings.RawPingPongBlocking = blocking;
        findings.RawPingPongAsync = awaited;
        var notes = $"{settings.SocketRoundTrips:N0} round trips after {settings.SocketWarmupRoundTrips:N0} warm-up; peer: child process echoing with blocking calls";
        table.Add("baseline", "Raw UDS ping-pong 16 B, blocking Send/Receive, p50", blocking.P50, "µs", 1, $"{notes}; p90 {blocking.P90:F1}, p99 {blocking.P99:F1} µs; this process: {blockingCpu.Describe(blockingSamples.Length)}");
        table.Add("baseline", "Raw UDS ping-pong 16 B, awaited SendAsync/ReceiveAsync, p50", awaited.P50, "µs", 1, $"same connection and child; p90 {awaited.P90:F1}, p99 {awaited.P99:F1} µs; this process: {asyncCpu.Describe(asyncSamples.Length)}");
    }

    /// <summary>
    /// N 16-byte messages written in batches of 1,024 while another thread reads the N echoes back: with a child that
    /// writes each answer on its own (the goal's baseline), then with one that writes all it has in one go.
    /// </summary>
    public static async Task MeasurePipelinedAsync(BenchmarkSettings settings, ResultTable table, Findings findings)
    {
        foreach (var mode in new[] { StreamEachMode, StreamMode })
        {
            await using var child = await EchoChild.StartAsync(mode);
            var messages = mode == StreamEachMode ? settings.PipelinedMessages : settings.PipelinedMessages * 10;
            Pipeline(child.Socket, Math.Min(messages, 100_000)); // warm-up
            var clock = Stopwatch.StartNew();
            Pipeline(child.Socket, messages);
            var elapsed = clock.Elapsed;
            var rate = messages / elapsed.TotalSeconds;
            var how = $"{elapsed.TotalMilliseconds:F0} ms; written {MessagesPerBatch:N0} per Send by one thread, read back by another";
            if (mode == StreamEachMode)
            {
                findings.RawPipelinedRate = rate;
                table.Add("baseline", $"Raw UDS pipelined 16 B messages, {messages:N0}, one write per answer", rate, "msgs/s", 0, $"{how}; the child reads buffered and answers each message with its own Send, as a worker answers each call (the goal's baseline)");
            }
            else
            {
                table.Add("baseline", $"Raw UDS pipelined 16 B messages, {messages:N0}, answers batched", rate, "msgs/s", 0, $"{how}; the child echoes all whole messages of a read in one Send: an upper bound, a copy through the kernel");
            }
        }
    }

    /// <summary>A byte[] of 1 MiB and of 16 MiB sent with a length prefix, read completely by the child and sent back.</summary>
    public static async Task MeasureEchoAsync(BenchmarkSettings settings, ResultTable table, Findings findings)
    {
        await using var child = await EchoChild.StartAsync(FramedMode);
        foreach (var (mib, repetitions) in new[] { (1, settings.Echo1MiBRepetitions), (16, settings.Echo16MiBRepetitions) })
        {
            var payload = new byte[mib << 20];
            Random.Shared.NextBytes(payload);
            var reply = new byte[payload.Length];
            EchoFramed(child.Socket, payload, reply);
            Check(payload, reply);
            var clock = Stopwatch.StartNew();
            for (var r = 0; r < repetitions; r++)
            {
                EchoFramed(child.Socket, payload, reply);
            }

            var rate = mib * repetitions / clock.Elapsed.TotalSeconds;
            if (mib == 1)
            {
                findings.RawEcho1MiB = rate;
            }
            else
            {
                findings.RawEcho16MiB = rate;
            }

            table.Add("baseline", $"Raw UDS byte[] echo, {mib} MiB", rate, "MiB/s", 0, $"{repetitions} echoes after 1 warm-up; MiB of payload per second of round trips; the child reads the whole payload, then writes it back");
        }
    }

    private static void Pipeline(Socket socket, int messages)
    {
        var reader = Task.Factory.StartNew(
            () =>
            {
                var buffer = new byte[64 * 1024];
                long expectedBytes = (long)messages * MessageSize, received = 0;
                while (received < expectedBytes)
                {
                    var n = socket.Receive(buffer, 0, (int)Math.Min(buffer.Length, expectedBytes - received), SocketFlags.None);
                    if (n == 0)
                    {
                        throw new EndOfStreamException("The echo child closed the connection.");
                    }

                    // Spot-check the first message of each read that starts on a message boundary.
                    if (received % MessageSize == 0 && n >= MessageSize && BitConverter.ToInt64(buffer) != received / MessageSize)
                    {
                        throw new InvalidOperationException("The echo child answered with different bytes.");
                    }

                    received += n;
                }
            },
            TaskCreationOptions.LongRunning);

        var batch = new byte[MessagesPerBatch * MessageSize];
        for (var sent = 0; sent < messages;)
        {
            var count = Math.Min(MessagesPerBatch, messages - sent);
            for (var i = 0; i < count; i++)
            {
                BitConverter.TryWriteBytes(batch.AsSpan(i * MessageSize), (long)(sent + i));
            }

            SendAll(socket, batch.AsSpan(0, count * MessageSize));
            sent += count;
        }

        reader.GetAwaiter().GetResult();
    }

    private static void EchoFramed(Socket socket, byte[] payload, byte[] reply)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        SendAll(socket, header);
        SendAll(socket, payload);
        var replyHeader = new byte[4];
        if (!ReceiveExactly(socket, replyHeader) || BinaryPrimitives.ReadInt32LittleEndian(replyHeader) != payload.Length || !ReceiveExactly(socket, reply))
        {
            throw new InvalidOperationException("The echo child answered with a different frame.");
        }
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            data = data[socket.Send(data)..];
        }
    }

    private static bool ReceiveExactly(Socket socket, byte[] buffer)
    {
        for (var received = 0; received < buffer.Length;)
        {
            var n = socket.Receive(buffer, received, buffer.Length - received, SocketFlags.None);
            if (n == 0)
            {
                return false;
            }

            received += n;
        }

        return true;
    }

    private static async ValueTask ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        for (var received = 0; received < buffer.Length;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException("The echo child closed the connection.");
            }

            received += n;
        }
    }

    private static void Check(byte[] message, byte[] reply)
    {
        if (!message.AsSpan().SequenceEqual(reply))
        {
            throw new InvalidOperationException("The echo child answered with different bytes.");
        }
    }

    /// <summary>An echo child process and its connected socket; disposing closes the socket and waits for the child.</summary>
    private sealed class EchoChild : IAsyncDisposable
    {
        private readonly DirectoryInfo _directory;
        private readonly Socket _listener;
        private readonly Process _process;

        private EchoChild(DirectoryInfo directory, Socket listener, Process process, Socket socket)
        {
            _directory = directory;
            _listener = listener;
            _process = process;
            Socket = socket;
        }

        public Socket Socket { get; }

        public static async Task<EchoChild> StartAsync(string mode)
        {
            var directory = Directory.CreateTempSubdirectory("offload-bench-");
            var socketPath = Path.Combine(directory.FullName, "echo.sock");
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(1);
            var process = Process.Start(ChildProcesses.StartInfo(ChildOption, socketPath, mode))
                ?? throw new InvalidOperationException("The echo child process could not be started.");
            var socket = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return new EchoChild(directory, listener, process, socket);
        }

        public async ValueTask DisposeAsync()
        {
            Socket.Shutdown(SocketShutdown.Both);
            Socket.Dispose();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                _process.Kill();
            }

            _process.Dispose();
            _listener.Dispose();
            _directory.Delete(recursive: true);
        }
    }
}
