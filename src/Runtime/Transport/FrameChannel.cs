using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Offload.Parent;
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
internal sealed class FrameChannel : IAsyncDisposable
{
    /// <summary>Above this, a write buffer that grew for a large frame is given back rather than kept.</summary>
    private const int RetainedWriteBufferBytes = 1024 * 1024;

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly int _maxFrameBytes;
    private readonly Lock _writeLock = new();
    private readonly TaskCompletionSource _writesDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<Outgoing> _pending = [];
    private List<Outgoing> _writing = [];
    private List<PendingCall> _written = [];
    private byte[] _writeBuffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private IFrameHandler? _handler;
    private Task? _run;
    private bool _writerActive;
    private bool _writesCompleted;
    private int _closed;

    public FrameChannel(Socket socket, int maxFrameBytes)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;

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

    /// <summary>Queues a frame the channel owns and disposes once written, and writes it. False once the channel is closed.</summary>
    public bool TrySend(FrameBuffer frame)
    {
        if (!TryEnqueue(frame))
        {
            return false;
        }

        Flush();
        return true;
    }

    /// <summary>Queues a frame without writing it yet (see <see cref="Flush"/>); the channel owns and disposes it.</summary>
    public bool TryEnqueue(FrameBuffer frame)
    {
        lock (_writeLock)
        {
            if (!_writesCompleted && !IsClosed)
            {
                _pending.Add(new Outgoing(frame, null));
                return true;
            }
        }

        frame.Dispose();
        return false;
    }

    /// <summary>Queues a call's frame without writing it yet (see <see cref="Flush"/>).</summary>
    public bool TryEnqueue(PendingCall call)
    {
        lock (_writeLock)
        {
            if (_writesCompleted || IsClosed)
            {
                return false;
            }

            _pending.Add(new Outgoing(null, call));
            return true;
        }
    }

    /// <summary>
    /// Writes what is queued, on this thread, unless another thread is already writing (it will take these too).
    /// Call it without holding locks that a handler callback could need.
    /// </summary>
    public void Flush()
    {
        lock (_writeLock)
        {
            if (_writerActive || _pending.Count == 0 || _handler is null)
            {
                return;
            }

            _writerActive = true;
        }

        WriteRounds();
    }

    /// <summary>
    /// Writes what is queued on a thread-pool thread instead of this one, unless a writer is already at work. For a
    /// sender that queues many frames in a row: its own thread stays free to queue more, and the frames pile up for
    /// the writer to send together, instead of costing a system call each.
    /// </summary>
    public void FlushDeferred()
    {
        lock (_writeLock)
        {
            if (_writerActive || _pending.Count == 0 || _handler is null)
            {
                return;
            }

            _writerActive = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static channel => channel.WriteRounds(), this, preferLocal: false);
    }

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

    /// <summary>
    /// Stops accepting frames, lets what is queued go out, then tells the peer nothing more is coming; used for a
    /// graceful shutdown.
    /// </summary>
    public void CompleteWrites()
    {
        lock (_writeLock)
        {
            _writesCompleted = true;
            if (_writerActive || _pending.Count > 0)
            {
                // The writer shuts the sending side down once it has written everything.
                if (!_writerActive && _handler is not null)
                {
                    _writerActive = true;
                }
                else
                {
                    return;
                }
            }
            else
            {
                ShutdownSendLocked();
                return;
            }
        }

        WriteRounds();
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

    /// <summary>
    /// The writer's rounds, entered holding the writer role: take everything pending, copy it into the write buffer,
    /// send it without blocking; repeat until nothing is pending. A send the socket cannot take at once continues
    /// asynchronously, and that continuation carries on the rounds.
    /// </summary>
    private void WriteRounds()
    {
        while (true)
        {
            int length;
            lock (_writeLock)
            {
                if (IsClosed)
                {
                    EndWritingLocked();
                    return;
                }

                if (_pending.Count == 0)
                {
                    if (_writesCompleted)
                    {
                        ShutdownSendLocked();
                    }

                    _writerActive = false;
                    return;
                }

                (_pending, _writing) = (_writing, _pending);
            }

            try
            {
                length = CopyBatch();
            }
            catch (Exception)
            {
                // A handler callback failed: the channel cannot be trusted to stay consistent.
                Close();
                continue;
            }

            if (length == 0)
            {
                continue;
            }

            var sent = TrySendNow(length, out var failed);
            if (failed)
            {
                Close();
                continue;
            }

            if (sent < length)
            {
                _ = SendRestAsync(sent, length);
                return;
            }

            MarkWritten();
        }
    }

    /// <summary>Copies the batch in <see cref="_writing"/> into the write buffer; returns the bytes to send.</summary>
    private int CopyBatch()
    {
        var length = 0;
        foreach (var item in _writing)
        {
            if (item.Frame is { } frame)
            {
                var span = frame.WrittenSpan;
                EnsureWriteCapacity(length + span.Length, length);
                span.CopyTo(_writeBuffer.AsSpan(length));
                length += span.Length;
                frame.Dispose();
            }
            else
            {
                var call = item.Call!;
                var writer = new SpanAppender(this, length);
                if (call.TryCopyFrameTo(ref writer))
                {
                    length = writer.Length;
                    _written.Add(call);
                }
                else
                {
                    _handler!.OnCallSkipped(call);
                }
            }
        }

        _writing.Clear();
        return length;
    }

    private void EnsureWriteCapacity(int needed, int keep)
    {
        if (needed <= _writeBuffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _writeBuffer.Length * 2));
        _writeBuffer.AsSpan(0, keep).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_writeBuffer);
        _writeBuffer = bigger;
    }

    private int TrySendNow(int length, out bool failed)
    {
        failed = false;
        var sent = 0;
        while (sent < length)
        {
            int count;
            SocketError error;
            try
            {
                count = _socket.Send(_writeBuffer, sent, length - sent, SocketFlags.None, out error);
            }
            catch (ObjectDisposedException)
            {
                failed = true;
                return sent;
            }

            if (error == SocketError.WouldBlock)
            {
                return sent;
            }

            if (error != SocketError.Success)
            {
                failed = true;
                return sent;
            }

            sent += count;
        }

        return sent;
    }

    private async Task SendRestAsync(int sent, int length)
    {
        try
        {
            while (sent < length)
            {
                sent += await _socket.SendAsync(_writeBuffer.AsMemory(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // The peer went away: the read side reports it.
            Close();
        }

        if (!IsClosed)
        {
            MarkWritten();
        }

        WriteRounds();
    }

    /// <summary>The calls in the batch just sent reached the socket: from now on, a dying worker may have run them.</summary>
    private void MarkWritten()
    {
        foreach (var call in _written)
        {
            call.IsWritten = true;
        }

        _written.Clear();
        if (_writeBuffer.Length > RetainedWriteBufferBytes)
        {
            ArrayPool<byte>.Shared.Return(_writeBuffer);
            _writeBuffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        }
    }

    private void EndWritingLocked()
    {
        _written.Clear();
        DropPendingLocked();
        _writerActive = false;
        _writesDone.TrySetResult();
    }

    private void DropPendingLocked()
    {
        foreach (var item in _pending)
        {
            item.Frame?.Dispose();
        }

        _pending.Clear();
    }

    private void ShutdownSendLocked()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
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

    private readonly record struct Outgoing(FrameBuffer? Frame, PendingCall? Call);

    /// <summary>Lets a call copy its frame into the write buffer, growing it as needed, without an interface allocation.</summary>
    internal ref struct SpanAppender
    {
        private readonly FrameChannel _channel;

        public SpanAppender(FrameChannel channel, int length)
        {
            _channel = channel;
            Length = length;
        }

        public int Length { get; private set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            _channel.EnsureWriteCapacity(Length + bytes.Length, Length);
            bytes.CopyTo(_channel._writeBuffer.AsSpan(Length));
            Length += bytes.Length;
        }
    }
}
