using System.Buffers;
using System.Net.Sockets;
using Offload.Protocol;

namespace Offload.Transport;

/// <summary>The channel's combining writer (see the remarks on <see cref="FrameChannel"/>).</summary>
internal sealed partial class FrameChannel
{
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

    /// <summary>
    /// Queues a frame that its owner writes when the channel gets to it (see <see cref="IOutgoingFrame"/>), without
    /// writing it yet (see <see cref="Flush"/>). False once the channel is closed.
    /// </summary>
    public bool TryEnqueue(IOutgoingFrame frame)
    {
        lock (_writeLock)
        {
            if (_writesCompleted || IsClosed)
            {
                return false;
            }

            _pending.Add(new Outgoing(null, frame));
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
            if (sent > 0)
            {
                _onBytesSent?.Invoke(sent);
            }

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
                length = AppendFrame(frame, length);
                frame.Dispose();
            }
            else
            {
                var owned = item.Owned!;
                var writer = new FrameWriter(this, length);
                if (owned.TryWriteTo(ref writer))
                {
                    length = writer.Length;
                    _written.Add(owned);
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
                var count = await _socket.SendAsync(_writeBuffer.AsMemory(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
                sent += count;
                _onBytesSent?.Invoke(count);
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

    /// <summary>The owned frames in the batch just sent reached the socket (a call: from now on, a dying worker may have run it).</summary>
    private void MarkWritten()
    {
        foreach (var frame in _written)
        {
            frame.OnWritten();
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

    /// <summary>
    /// Appends a whole frame at <paramref name="offset"/>: its bytes, or for a frame in a shared-memory region only its
    /// descriptor (the region is then lent to the peer until it releases it). Returns the new length.
    /// </summary>
    internal int AppendFrame(FrameBuffer frame, int offset)
    {
        if (frame.Region is not { } region || _sharedMemory is null)
        {
            // A frame in shared memory on a channel without it (a test's) still travels: its bytes are copied.
            return Append(frame.WrittenSpan, offset);
        }

        var written = frame.WrittenSpan;
        EnsureWriteCapacity(offset + SharedFrameDescriptor.FrameSize, offset);
        var callId = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(written[FrameHeader.CallIdOffset..]);
        new SharedFrameDescriptor(region.Index, written.Length).WriteFrame(_writeBuffer.AsSpan(offset), callId);
        _sharedMemory.Lend(region);
        return offset + SharedFrameDescriptor.FrameSize;
    }

    /// <summary>Appends bytes to the write buffer at <paramref name="offset"/>, growing it as needed; returns the new length.</summary>
    internal int Append(ReadOnlySpan<byte> bytes, int offset)
    {
        EnsureWriteCapacity(offset + bytes.Length, offset);
        bytes.CopyTo(_writeBuffer.AsSpan(offset));
        return offset + bytes.Length;
    }

    /// <summary>A frame to write: one the channel owns and disposes (<paramref name="Frame"/>), or one its owner writes (<paramref name="Owned"/>).</summary>
    private readonly record struct Outgoing(FrameBuffer? Frame, IOutgoingFrame? Owned);
}
