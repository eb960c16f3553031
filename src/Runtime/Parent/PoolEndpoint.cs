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

    /// <summary>Connections waiting for their hello, oldest first; also the lock that guards itself.</summary>
    private readonly LinkedList<PendingConnection> _pending = new();
    private int _peakPending;
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

    /// <summary>The pool's shared memory for large frames, or null when frames only use the socket.</summary>
    public PoolSharedMemory? SharedMemory { get; private set; }

    /// <summary>Sets up the pool's socket, and its shared memory for large frames when <paramref name="options"/> ask for it.</summary>
    public static PoolEndpoint Create(WorkerPoolOptions? options = null)
    {
        var endpoint = Create(PrivateDirectory.Create());
        if (options is not null)
        {
            endpoint.SharedMemory = PoolSharedMemory.TryCreate(options);
        }

        return endpoint;
    }

    private static PoolEndpoint Create(string directory)
    {
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
    /// How long a new connection may take to present its hello. A worker sends its hello in the same breath as it
    /// connects (one small frame built from what it already holds), and the kernel completes a connect as soon as it is
    /// queued, so the hello is usually waiting before the connection is even accepted: the deadline only has to cover a
    /// worker being descheduled between two system calls. 2 s is hundreds of times that even on a loaded machine, and
    /// short enough that a connection that never speaks holds its descriptor only briefly. The pool never waits longer
    /// than its start timeout.
    /// </summary>
    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Most connections waiting for their hello at once, after <see cref="AcceptLoopAsync"/> started.</summary>
    public int MaxPendingConnections { get; private set; } = int.MaxValue;

    /// <summary>The most connections that waited for their hello at the same time; for tests.</summary>
    internal int PeakPendingConnections => Volatile.Read(ref _peakPending);

    /// <summary>
    /// The cap on connections waiting for their hello for a pool of <paramref name="workerCount"/> workers. A pool has at
    /// most one connecting worker per slot at a time (a retiring worker's replacement takes over its slot), so four
    /// times the slots, and never fewer than 32, is room to spare for every real worker; anything beyond it is not one.
    /// </summary>
    public static int MaxPendingFor(int workerCount) => (int)Math.Clamp(4L * workerCount, 32, 4096);

    /// <summary>
    /// Accepts connections until disposed. Each connection that presents a valid hello within
    /// <paramref name="helloTimeout"/> goes to <paramref name="onWorker"/>; any other is closed and reported to
    /// <paramref name="onRefused"/>. At most <paramref name="maxPending"/> connections wait for their hello at once: a
    /// new connection beyond that closes the one that has waited longest (see <see cref="Admit"/>).
    /// </summary>
    public async Task AcceptLoopAsync(
        Func<HelloMessage, Socket, bool> onWorker, Action<string> onRefused, TimeSpan helloTimeout, int maxPending = 32, Action<string>? onAcceptFailed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPending, 1);
        MaxPendingConnections = maxPending;
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
                (onAcceptFailed ?? onRefused)($"accept failed: {ex.SocketErrorCode}");
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            var connection = new PendingConnection(socket, helloTimeout);
            Admit(connection, maxPending);
            _ = AuthenticateAsync(connection, onWorker, onRefused);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _listener.Dispose();

        // Connections still waiting for their hello go too: nothing of the pool's may outlive it.
        PendingConnection[] waiting;
        lock (_pending)
        {
            waiting = [.. _pending];
            _pending.Clear();
        }

        foreach (var connection in waiting)
        {
            connection.Drop("the pool is shutting down");
        }

        PrivateDirectory.TryDelete(DirectoryPath);
        SharedMemory?.Dispose();
    }

    /// <summary>
    /// Counts a new connection among those waiting for their hello; at the cap, the one that has waited longest is
    /// closed at once to make room. Dropping the oldest rather than refusing the newest is what keeps real workers in:
    /// a worker's hello follows its connect at once, so a worker is never the one that has waited longest unless the cap
    /// filled up behind it within moments, while idle connections that arrived first make way for it instead of
    /// locking it out until their deadline.
    /// </summary>
    private void Admit(PendingConnection connection, int maxPending)
    {
        PendingConnection? oldest = null;
        lock (_pending)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                // Accepted as the pool shut down, after the waiting list was emptied.
                oldest = connection;
            }
            else if (_pending.Count >= maxPending)
            {
                oldest = _pending.First!.Value;
                _pending.RemoveFirst();
            }

            if (oldest != connection)
            {
                connection.Node = _pending.AddLast(connection);
                if (_pending.Count > _peakPending)
                {
                    Volatile.Write(ref _peakPending, _pending.Count);
                }
            }
        }

        oldest?.Drop(oldest == connection ? "the pool is shutting down" : $"{maxPending} connections were already waiting for their hello");
    }

    /// <summary>Takes a connection off the waiting list; false if it was dropped meanwhile (its socket is closed).</summary>
    private bool TryLeave(PendingConnection connection)
    {
        lock (_pending)
        {
            if (connection.Node?.List is null)
            {
                return false;
            }

            _pending.Remove(connection.Node);
            return true;
        }
    }

    private async Task AuthenticateAsync(PendingConnection connection, Func<HelloMessage, Socket, bool> onWorker, Action<string> onRefused)
    {
        var socket = connection.Socket;
        string? refusal;
        HelloMessage? hello = null;
        try
        {
            var header = new byte[FrameHeader.Size];
            await ReceiveExactlyAsync(socket, header, connection.Deadline.Token).ConfigureAwait(false);
            var parsed = FrameHeader.Read(header, MaxHelloBytes);
            if (parsed.Kind != FrameKind.Hello)
            {
                refusal = $"first frame was {parsed.Kind}, not Hello";
            }
            else
            {
                var body = new byte[parsed.BodyLength];
                await ReceiveExactlyAsync(socket, body, connection.Deadline.Token).ConfigureAwait(false);
                hello = HelloMessage.TryRead(new ReadOnlySequence<byte>(body));
                refusal = hello is null ? "unreadable hello"
                    : hello.ProtocolVersion != ProtocolConstants.Version ? $"protocol version {hello.ProtocolVersion}, expected {ProtocolConstants.Version}"
                    : !CryptographicOperations.FixedTimeEquals(hello.Secret, Secret) ? "wrong secret"
                    : null;
            }
        }
        catch (OperationCanceledException) when (connection.DropReason is null)
        {
            refusal = "no hello in time";
        }
        catch (Exception ex) when (connection.DropReason is null)
        {
            refusal = $"unreadable hello ({ex.GetType().Name}: {ex.Message})";
        }
        catch (Exception)
        {
            // Dropped while it waited: the reason is the drop's.
            refusal = null;
        }

        try
        {
            if (!TryLeave(connection))
            {
                onRefused($"dropped before its hello: {connection.DropReason ?? "made room for newer connections"}");
                return;
            }

            if (refusal is null && onWorker(hello!, socket))
            {
                return;
            }

            onRefused(refusal ?? $"no worker {hello!.WorkerId} with process id {hello.ProcessId} is waiting for a connection");
            socket.Dispose();
        }
        finally
        {
            connection.Deadline.Dispose();
        }
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
