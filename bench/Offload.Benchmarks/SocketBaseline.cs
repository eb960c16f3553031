using System.Diagnostics;
using System.Net.Sockets;

namespace Offload.Benchmarks;

/// <summary>
/// The floor under an Offload round trip: a 16-byte ping-pong over a Unix domain socket between this process and a
/// child process (this same program started with <see cref="ChildOption"/>, echoing with blocking calls). Measured
/// twice on one connection: with blocking Send/Receive here, and with awaited SendAsync/ReceiveAsync, which pays for
/// the socket engine and thread-pool hops that any async transport, Offload's included, pays.
/// </summary>
internal static class SocketBaseline
{
    public const string ChildOption = "--socket-echo-child";
    private const int MessageSize = 16;

    /// <summary>The child's main: connect, then echo every 16-byte message until the parent closes the connection.</summary>
    public static int RunEchoChild(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        var buffer = new byte[MessageSize];
        while (ReceiveExactly(socket, buffer))
        {
            socket.Send(buffer);
        }

        return 0;
    }

    public static async Task<(LatencySummary Blocking, LatencySummary Async)> MeasureAsync(BenchmarkSettings settings, ResultTable table)
    {
        var directory = Directory.CreateTempSubdirectory("offload-bench-");
        try
        {
            var socketPath = Path.Combine(directory.FullName, "echo.sock");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(1);

            using var child = Process.Start(ChildStartInfo(socketPath))
                ?? throw new InvalidOperationException("The echo child process could not be started.");
            using var socket = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));

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
            socket.Shutdown(SocketShutdown.Both);
            try
            {
                await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                child.Kill();
            }

            var blocking = LatencySummary.FromStopwatchTicks(blockingSamples);
            var awaited = LatencySummary.FromStopwatchTicks(asyncSamples);
            var notes = $"{settings.SocketRoundTrips:N0} round trips after {settings.SocketWarmupRoundTrips:N0} warm-up; peer: child process echoing with blocking calls";
            table.Add("baseline", "Raw UDS ping-pong 16 B, blocking Send/Receive, p50", blocking.P50, "µs", 1, $"{notes}; p90 {blocking.P90:F1}, p99 {blocking.P99:F1} µs; this process: {blockingCpu.Describe(blockingSamples.Length)}");
            table.Add("baseline", "Raw UDS ping-pong 16 B, awaited SendAsync/ReceiveAsync, p50", awaited.P50, "µs", 1, $"same connection and child; p90 {awaited.P90:F1}, p99 {awaited.P99:F1} µs; this process: {asyncCpu.Describe(asyncSamples.Length)}");
            return (blocking, awaited);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static ProcessStartInfo ChildStartInfo(string socketPath)
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("This process has no executable path.");
        var info = new ProcessStartInfo(processPath) { UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // Started as 'dotnet Offload.Benchmarks.dll': the child needs the assembly too.
            info.ArgumentList.Add(typeof(SocketBaseline).Assembly.Location);
        }

        info.ArgumentList.Add(ChildOption);
        info.ArgumentList.Add(socketPath);
        return info;
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
}
