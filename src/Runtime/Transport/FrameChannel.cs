using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Offload.Protocol;
using Offload.Transport.SharedMemory;

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
    private readonly SharedMemoryLink? _sharedMemory;
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

    // The peer's region whose frame the read loop is handing to the handler, and whether the handler kept it.
    private SharedRegion? _delivering;
    private bool _deliveredKept;

    /// <param name="socket">The connected socket; the channel owns it.</param>
    /// <param name="maxFrameBytes">The largest frame either side may send.</param>
    /// <param name="onBytesSent">Told the bytes of each write that reached the socket (the pool's metrics); null for none.</param>
    /// <param name="sharedMemory">Where large frames go instead of the socket, both ways; null for none (every frame uses the socket).</param>
    public FrameChannel(Socket socket, int maxFrameBytes, Action<int>? onBytesSent = null, SharedMemoryLink? sharedMemory = null)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        _onBytesSent = onBytesSent;
        _sharedMemory = sharedMemory;

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

    /// <summary>The arena this side writes large frames into, or null when frames only use the socket.</summary>
    public SharedMemoryArena? SharedArena => _sharedMemory?.Arena;

    /// <summary>The channel's shared memory (tests).</summary>
    internal SharedMemoryLink? SharedMemory => _sharedMemory;

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

        // Last: nothing reads the peer's regions any more, and nothing is written into ours for this peer.
        _sharedMemory?.Dispose();
    }

    /// <summary>
    /// Called by the handler during <see cref="IFrameHandler.OnFrame"/>: keeps the frame's body, which lies in the
    /// peer's shared memory, beyond the call; null when the body is not in shared memory (copy it instead).
    /// </summary>
    public SharedBodyLease? KeepSharedBody()
    {
        if (_delivering is not { } region || _deliveredKept)
        {
            return null;
        }

        _deliveredKept = true;
        return new SharedBodyLease(this, region);
    }

    /// <summary>Tells the peer that its region <paramref name="index"/> is free (no-op once the channel is closed).</summary>
    internal void ReleasePeerRegion(int index)
    {
        if (!IsClosed)
        {
            TrySend(FrameBuffer.CreateEmpty(FrameKind.SharedRelease, index));
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
                    Deliver(handler, header, body);
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

    private void Deliver(IFrameHandler handler, in FrameHeader header, in ReadOnlySequence<byte> body)
    {
        if (_sharedMemory is null)
        {
            // Without shared memory, its frame kinds reach the handler, which refuses them as unexpected.
            handler.OnFrame(header, body);
            return;
        }

        switch (header.Kind)
        {
            case FrameKind.Shared:
                DeliverShared(handler, SharedFrameDescriptor.Read(body));
                break;
            case FrameKind.SharedRelease:
                _sharedMemory.OnReleased(header.CallId);
                break;
            default:
                handler.OnFrame(header, body);
                break;
        }
    }

    /// <summary>Hands the handler a frame that lies in the peer's region, then frees the region unless the handler kept it.</summary>
    private void DeliverShared(IFrameHandler handler, SharedFrameDescriptor descriptor)
    {
        var region = _sharedMemory!.OpenPeer(descriptor.RegionIndex);
        if (descriptor.FrameLength > region.Capacity)
        {
            throw new OffloadProtocolException(
                $"Shared frame of {descriptor.FrameLength} bytes does not fit its region {descriptor.RegionIndex} of {region.Capacity} bytes.");
        }

        var header = FrameHeader.Read(region.Span, _maxFrameBytes);
        if (header.FrameLength != descriptor.FrameLength || header.Kind is FrameKind.Shared or FrameKind.SharedRelease)
        {
            throw new OffloadProtocolException(
                $"Shared region {descriptor.RegionIndex} holds a {header.Kind} frame of {header.FrameLength} bytes; its descriptor said {descriptor.FrameLength}.");
        }

        _delivering = region;
        _deliveredKept = false;
        try
        {
            handler.OnFrame(header, new ReadOnlySequence<byte>(region.Memory.Slice(FrameHeader.Size, header.BodyLength)));
        }
        finally
        {
            _delivering = null;
            if (!_deliveredKept)
            {
                ReleasePeerRegion(descriptor.RegionIndex);
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
