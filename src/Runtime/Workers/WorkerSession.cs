using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using MemoryPack;
using Offload.Dispatch;
using Offload.Protocol;
using Offload.Transport;

namespace Offload.Workers;

/// <summary>
/// The worker's side of a channel: the read loop queues calls, and one executor runs them strictly one at a time in
/// arrival order. Running one call at a time is what makes a worker a safe home for non-thread-safe code, and it is
/// what lets the parent know, if the worker dies, that the oldest unanswered call was the one running.
/// </summary>
internal sealed class WorkerSession : IFrameHandler
{
    private readonly WorkerArguments _arguments;
    private readonly DispatcherRegistry _registry = new();
    private readonly Channel<QueuedCall> _calls = Channel.CreateUnbounded<QueuedCall>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _cancellations = new();
    private FrameChannel? _channel;
    private int _shuttingDown;

    public WorkerSession(WorkerArguments arguments) => _arguments = arguments;

    /// <summary>True once the pool asked this worker to finish and exit.</summary>
    public bool IsShuttingDownGracefully => Volatile.Read(ref _shuttingDown) != 0;

    public async Task<int> RunAsync(Socket socket)
    {
        await using var channel = new FrameChannel(socket, _arguments.MaxFrameBytes);
        _channel = channel;
        var executor = Task.Run(ExecuteAsync);
        try
        {
            await channel.RunAsync(this).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"Offload worker {_arguments.WorkerId}: channel failed: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            WorkerHost.ExitNow();
        }

        if (!IsShuttingDownGracefully)
        {
            // The parent closed the channel without asking us to finish: it is gone, and so are we.
            WorkerHost.ExitNow();
        }

        await executor.ConfigureAwait(false);
        return 0;
    }

    public void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> body)
    {
        switch (header.Kind)
        {
            case FrameKind.Call:
                EnqueueCall(header.CallId, body);
                break;
            case FrameKind.LoadAssembly:
                _registry.Load(MemoryPackSerializer.Deserialize<LoadAssemblyMessage>(body)
                    ?? throw new OffloadProtocolException("Empty LoadAssembly frame."));
                break;
            case FrameKind.Cancel:
                if (_cancellations.TryGetValue(header.CallId, out var cancellation))
                {
                    // Off the read loop: user callbacks registered on the token run here, and one that blocks or
                    // throws must not stall or break the channel.
                    _ = Task.Run(() =>
                    {
                        try
                        {
                            cancellation.Cancel();
                        }
                        catch (ObjectDisposedException)
                        {
                            // The call finished while the cancel was on its way.
                        }
                        catch (AggregateException)
                        {
                            // A user callback threw; the call itself reports what happens next.
                        }
                    });
                }

                break;
            case FrameKind.Shutdown:
                Volatile.Write(ref _shuttingDown, 1);
                _calls.Writer.TryComplete();
                break;
            case FrameKind.Ping:
                Send(FrameBuffer.CreateEmpty(FrameKind.Pong, header.CallId));
                break;
            case FrameKind.Pong:
                break;
            default:
                throw new OffloadProtocolException($"Unexpected frame kind {(byte)header.Kind} from the pool.");
        }
    }

    public void OnCallSkipped(PendingCall call)
    {
        // Workers never queue PendingCall objects.
    }

    private void EnqueueCall(long callId, in ReadOnlySequence<byte> body)
    {
        if (body.Length < ProtocolConstants.MethodIdSize)
        {
            throw new OffloadProtocolException("Call frame too short for its method id.");
        }

        Span<byte> id = stackalloc byte[ProtocolConstants.MethodIdSize];
        body.Slice(0, ProtocolConstants.MethodIdSize).CopyTo(id);
        var methodId = BinaryPrimitives.ReadUInt64LittleEndian(id);

        // The body lives in the pipe's buffer only until this returns: copy the arguments for the executor.
        var argumentsLength = (int)body.Length - ProtocolConstants.MethodIdSize;
        var arguments = ArrayPool<byte>.Shared.Rent(Math.Max(argumentsLength, 1));
        body.Slice(ProtocolConstants.MethodIdSize).CopyTo(arguments);

        var cancellation = new CancellationTokenSource();
        _cancellations[callId] = cancellation;
        var invocation = new Invocation(callId, methodId, arguments, argumentsLength, Send, _arguments.MaxFrameBytes, cancellation.Token);
        if (!_calls.Writer.TryWrite(new QueuedCall(invocation, arguments, cancellation)))
        {
            throw new OffloadProtocolException("A call arrived after shutdown.");
        }
    }

    private async Task ExecuteAsync()
    {
        try
        {
            await ExecuteCallsAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nothing should get here; if something does, a worker that silently stops answering would hang every
            // call sent to it. Dying instead makes the pool report the running call and replace this worker.
            await Console.Error.WriteLineAsync($"Offload worker {_arguments.WorkerId}: executor failed: {ex}").ConfigureAwait(false);
            WorkerHost.ExitNow();
        }
    }

    private async Task ExecuteCallsAsync()
    {
        await foreach (var call in _calls.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var invocation = call.Invocation;
            try
            {
                if (call.Cancellation.IsCancellationRequested)
                {
                    invocation.Canceled();
                    continue;
                }

                await _registry.Find(invocation.MethodId).InvokeAsync(invocation).ConfigureAwait(false);
                if (!invocation.Answered)
                {
                    invocation.Fail(new InvalidOperationException("The generated invoker returned without an answer."));
                }
            }
            catch (OperationCanceledException) when (call.Cancellation.IsCancellationRequested && !invocation.Answered)
            {
                invocation.Canceled();
            }
            catch (Exception ex) when (!invocation.Answered)
            {
                invocation.Fail(ex);
            }
            catch (Exception ex)
            {
                await Console.Error.WriteLineAsync($"Offload worker {_arguments.WorkerId}: exception after the call was answered: {ex}").ConfigureAwait(false);
            }
            finally
            {
                _cancellations.TryRemove(invocation.CallId, out _);
                call.Cancellation.Dispose();
                ArrayPool<byte>.Shared.Return(call.Arguments);
            }
        }

        // Graceful shutdown: everything queued has been answered; let the writer drain and close our side.
        _channel?.CompleteWrites();
    }

    private void Send(FrameBuffer frame)
    {
        if (_channel is null || !_channel.TrySend(frame))
        {
            frame.Dispose();
        }
    }

    private readonly record struct QueuedCall(Invocation Invocation, byte[] Arguments, CancellationTokenSource Cancellation);
}
