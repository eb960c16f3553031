using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Offload.Protocol;

namespace Offload.Transport;

/// <summary>
/// A framed, full-duplex channel over a connected socket, used the same way by the parent and the worker.
/// </summary>
/// <remarks>
/// <para>
/// Reading: a <see cref="PipeReader"/> loop that waits for whole frames with <c>ReadAtLeastAsync</c> and hands each
/// body to the handler as a slice of the pipe's own buffers.
/// </para>
/// <para>
/// Writing is combining, with no thread of its own: a sender appends its frame to a pending list, and if nobody is
/// writing, it becomes the writer, copies everything pending into one buffer and hands it to the socket without
/// blocking, on its own thread. Frames that arrive meanwhile wait for the writer's next round, so under load many
/// frames leave in one system call, and a lone frame leaves at once with no thread hop: both ends of a call's latency.
/// When the socket's buffer is full (a slow peer, a large payload) the rest is sent by an asynchronous send, and the
/// writer role stays taken until it completes, so a sender never blocks.
/// </para>
/// </remarks>
internal sealed partial class FrameChannel : IAsyncDisposable
{
    /// <summary>Above this, a write buffer that grew for a large frame is given back rather than kept.</summary>
    private const int RetainedWriteBufferBytes = 1024 * 1024;

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly int _maxFrameBytes;
    private readonly Action<int>? _onBytesSent;
    private readonly Lock _writeLock = new();
    private readonly TaskCompletionSource _writesDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<Outgoing> _pending = [];
    private List<Outgoing> _writing = [];
    private List<IOutgoingFrame> _written = [];
    private byte[] _writeBuffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private IFrameHandler? _handler;
    private Task? _run;
    private bool _writerActive;
    private bool _writesCompleted;
    private int _closed;

    /// <param name="socket">The connected socket; the channel owns it.</param>
    /// <param name="maxFrameBytes">The largest frame either side may send.</param>
    /// <param name="onBytesSent">Told the bytes of each write that reached the socket (the pool's metrics); null for none.</param>
    public FrameChannel(Socket socket, int maxFrameBytes, Action<int>? onBytesSent = null)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        _onBytesSent = onBytesSent;

        // Larger kernel buffers than the defaults (about 200 KiB): a megabyte argument then crosses in a few writes and
        // reads instead of dozens of wake-ups, and a burst of small frames rarely finds the socket full.
        TrySetBufferSizes(socket, 4 * 1024 * 1024);
        var stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));

        // Sends from the fast path must never block the sender's thread: a full socket buffer hands over to SendAsync.
        // (Set after the stream exists, which insists on a blocking socket; it only ever reads asynchronously.)
        _socket.Blocking = false;
    }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Runs the read loop until the peer closes, an error occurs, or <see cref="Close"/> is called, and lets frames
    /// queued before it started go out. Completes with the exception that ended the channel, or normally when the peer
    /// closed cleanly.
    /// </summary>
    public Task RunAsync(IFrameHandler handler)
    {
        lock (_writeLock)
        {
            _handler = handler;
        }

        Flush();
        return _run = RunCoreAsync(handler);
    }

    /// <summary>Closes the channel once; reading stops and queued frames are dropped.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone: nothing to shut down.
        }

        _reader.CancelPendingRead();
        lock (_writeLock)
        {
            if (!_writerActive)
            {
                DropPendingLocked();
                _writesDone.TrySetResult();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close();

        // The pipe's buffers must not be returned while the loop still reads them, nor the write buffer while a send
        // still uses it.
        if (_run is { } run)
        {
            try
            {
                await run.ConfigureAwait(false);
            }
            catch
            {
                // The owner observed how the channel ended; disposing only needs it to have ended.
            }
        }

        await _writesDone.Task.ConfigureAwait(false);
        try
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Nothing left to read matters once the channel is closed.
        }

        _socket.Dispose();
        lock (_writeLock)
        {
            DropPendingLocked();
            ArrayPool<byte>.Shared.Return(_writeBuffer);
            _writeBuffer = [];
        }
    }

    private async Task RunCoreAsync(IFrameHandler handler)
    {
        try
        {
            await ReadLoopAsync(handler).ConfigureAwait(false);
        }
        finally
        {
            Close();
        }
    }

    private async Task ReadLoopAsync(IFrameHandler handler)
    {
        var needed = FrameHeader.Size;
        while (true)
        {
            var result = await _reader.ReadAtLeastAsync(needed).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (FrameDecoder.TryReadFrame(ref buffer, _maxFrameBytes, out var header, out var body, out needed))
                {
                    handler.OnFrame(header, body);
                }
            }
            finally
            {
                // Everything before buffer.Start was handled; everything up to End was looked at.
                _reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCanceled || IsClosed)
            {
                return;
            }

            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    throw new OffloadProtocolException($"The channel ended inside a frame ({buffer.Length} bytes of {needed} received).");
                }

                return;
            }
        }
    }

    private static void TrySetBufferSizes(Socket socket, int bytes)
    {
        try
        {
            socket.SendBufferSize = bytes;
            socket.ReceiveBufferSize = bytes;
        }
        catch (SocketException)
        {
            // The system caps or refuses it: the defaults still work, only slower for large payloads.
        }
    }
}
