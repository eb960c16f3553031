using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Offload.Protocol;
using Offload.Transport;

namespace Offload.Parent;

/// <summary>
/// The pool's listening Unix domain socket. It lives in a fresh directory only the current OS user can open (mode
/// 0700), so no other local user can connect; and every connection must open with a hello frame that carries the
/// pool's random per-start secret (compared in constant time), so that even a process of the same user that finds
/// the socket cannot pose as a worker.
/// </summary>
internal sealed class PoolEndpoint : IDisposable
{
    private const int MaxHelloBytes = 4096;
    private readonly Socket _listener;
    private int _disposed;

    private PoolEndpoint(string directory, string socketPath, Socket listener, byte[] secret)
    {
        DirectoryPath = directory;
        SocketPath = socketPath;
        _listener = listener;
        Secret = secret;
    }

    /// <summary>The private directory that holds the socket.</summary>
    public string DirectoryPath { get; }

    /// <summary>The socket's path, passed to workers on their command line.</summary>
    public string SocketPath { get; }

    /// <summary>The per-start secret, passed to workers on their standard input.</summary>
    public byte[] Secret { get; }

    public static PoolEndpoint Create()
    {
        var directory = PrivateDirectory.Create();
        var socketPath = Path.Combine(directory, PrivateDirectory.SocketFileName);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            PrivateDirectory.TryDelete(directory);
            throw;
        }

        return new PoolEndpoint(directory, socketPath, listener, RandomNumberGenerator.GetBytes(ProtocolConstants.SecretSize));
    }

    /// <summary>
    /// Accepts connections until disposed. Each connection that presents a valid hello within
    /// <paramref name="helloTimeout"/> goes to <paramref name="onWorker"/>; any other is closed.
    /// </summary>
    public async Task AcceptLoopAsync(Func<HelloMessage, Socket, bool> onWorker, Action<string> onRefused, TimeSpan helloTimeout)
    {
        while (Volatile.Read(ref _disposed) == 0)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }

                // Transient (e.g. out of file descriptors): keep listening, or every later worker start would fail.
                onRefused($"accept failed: {ex.SocketErrorCode}");
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            _ = AuthenticateAsync(socket, onWorker, onRefused, helloTimeout);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _listener.Dispose();
        PrivateDirectory.TryDelete(DirectoryPath);
    }

    private async Task AuthenticateAsync(Socket socket, Func<HelloMessage, Socket, bool> onWorker, Action<string> onRefused, TimeSpan helloTimeout)
    {
        using var timeout = new CancellationTokenSource(helloTimeout);
        string? refusal;
        HelloMessage? hello = null;
        try
        {
            var header = new byte[FrameHeader.Size];
            await ReceiveExactlyAsync(socket, header, timeout.Token).ConfigureAwait(false);
            var parsed = FrameHeader.Read(header, MaxHelloBytes);
            if (parsed.Kind != FrameKind.Hello)
            {
                refusal = $"first frame was {parsed.Kind}, not Hello";
            }
            else
            {
                var body = new byte[parsed.BodyLength];
                await ReceiveExactlyAsync(socket, body, timeout.Token).ConfigureAwait(false);
                hello = HelloMessage.TryRead(new ReadOnlySequence<byte>(body));
                refusal = hello is null ? "unreadable hello"
                    : hello.ProtocolVersion != ProtocolConstants.Version ? $"protocol version {hello.ProtocolVersion}, expected {ProtocolConstants.Version}"
                    : !CryptographicOperations.FixedTimeEquals(hello.Secret, Secret) ? "wrong secret"
                    : null;
            }
        }
        catch (OperationCanceledException)
        {
            refusal = "no hello in time";
        }
        catch (Exception ex)
        {
            refusal = $"unreadable hello ({ex.GetType().Name}: {ex.Message})";
        }

        if (refusal is null && onWorker(hello!, socket))
        {
            return;
        }

        onRefused(refusal ?? $"no worker {hello!.WorkerId} with process id {hello.ProcessId} is waiting for a connection");
        socket.Dispose();
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException("The connection closed during hello.");
            }

            buffer = buffer[read..];
        }
    }
}
