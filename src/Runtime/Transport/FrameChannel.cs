using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Offload.Dispatch;
using Offload.Protocol;

namespace Offload.Transport;

/// <summary>
/// A framed, full-duplex channel over a connected socket, used the same way by the parent and the worker.
/// Reading: a <see cref="PipeReader"/> loop that waits for whole frames with <c>ReadAtLeastAsync</c> and hands each
/// body to the handler as a slice of the pipe's own buffers. Writing: frames are queued by any thread and a single
/// writer loop copies every queued frame into the <see cref="PipeWriter"/> before it flushes, so frames that pile up
/// under load leave in one write (coalescing) while a lone frame still leaves at once.
/// </summary>
internal sealed class FrameChannel : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly int _maxFrameBytes;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = false,
    });

    private Task? _run;
    private int _closed;
    private int _writesCompleted;

    public FrameChannel(Socket socket, int maxFrameBytes)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        var stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
    }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Queues a frame the channel owns and disposes once written. False once the channel is closed.</summary>
    public bool TrySend(FrameBuffer frame)
    {
        if (_outgoing.Writer.TryWrite(new Outgoing(frame, null)))
        {
            return true;
        }

        frame.Dispose();
        return false;
    }

    /// <summary>Queues a call's frame; the call keeps owning it. False once the channel is closed.</summary>
    public bool TrySend(PendingCall call) => _outgoing.Writer.TryWrite(new Outgoing(null, call));

    /// <summary>
    /// Runs the read and write loops until the peer closes, an error occurs, or <see cref="Close"/> is called.
    /// Completes with the exception that ended the channel, or normally when the peer closed cleanly.
    /// </summary>
    public Task RunAsync(IFrameHandler handler) => _run = RunCoreAsync(handler);

    private async Task RunCoreAsync(IFrameHandler handler)
    {
        var writeLoop = WriteLoopAsync(handler);
        try
        {
            await ReadLoopAsync(handler).ConfigureAwait(false);
        }
        finally
        {
            Close();
            try
            {
                await writeLoop.ConfigureAwait(false);
            }
            catch
            {
                // The read side's outcome is what the owner needs; a write failure after close adds nothing.
            }
        }
    }

    /// <summary>Closes the channel once; both loops end and queued frames are dropped.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _outgoing.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone: nothing to shut down.
        }

        _reader.CancelPendingRead();
    }

    /// <summary>
    /// Stops accepting frames and lets the write loop send what is queued; used for a graceful shutdown.
    /// </summary>
    public void CompleteWrites()
    {
        Volatile.Write(ref _writesCompleted, 1);
        _outgoing.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        Close();

        // The pipes' buffers must not be returned while a loop still reads or writes them.
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

        await _reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            // Completing the writer flushes what it still buffers. When the peer is gone that fails (broken pipe), and
            // disposing must not throw for it: the owner already knows how the channel ended.
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
        while (_outgoing.Reader.TryRead(out var item))
        {
            item.Frame?.Dispose();
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

    private async Task WriteLoopAsync(IFrameHandler handler)
    {
        var reader = _outgoing.Reader;
        var batch = new List<PendingCall>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (item.Frame is { } frame)
                    {
                        _writer.Write(frame.WrittenSpan);
                        frame.Dispose();
                    }
                    else if (item.Call!.TryCopyFrameTo(_writer))
                    {
                        batch.Add(item.Call);
                    }
                    else
                    {
                        handler.OnCallSkipped(item.Call);
                    }
                }

                var flush = await _writer.FlushAsync().ConfigureAwait(false);
                foreach (var call in batch)
                {
                    call.IsWritten = true;
                }

                batch.Clear();
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // The peer went away (or writing broke): the channel is closed below and the read loop reports it.
        }
        finally
        {
            if (Volatile.Read(ref _writesCompleted) == 0)
            {
                // Writing stopped without CompleteWrites: nothing sent from now on would ever leave, so close the
                // channel rather than let frames pile up in a queue nobody drains.
                Close();
            }
            else if (!IsClosed)
            {
                // Graceful end of writes (CompleteWrites): tell the peer nothing more is coming.
                try
                {
                    _socket.Shutdown(SocketShutdown.Send);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }
            }
        }
    }

    private readonly record struct Outgoing(FrameBuffer? Frame, PendingCall? Call);
}
