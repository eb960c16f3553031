using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using MemoryPack;
using Offload.Dispatch;
using Offload.Protocol;
using Offload.Transport;

namespace Offload.Workers;

/// <summary>
/// The worker's side of a channel: the read loop queues work, and one executor runs it strictly one item at a time in
/// arrival order. Running one call at a time is what makes a worker a safe home for non-thread-safe code, and it is
/// what lets the parent know, if the worker dies, that the oldest unanswered call was the one running.
/// </summary>
/// <remarks>
/// Initializers and the answer to a ping go through the same queue as calls, so a pong proves that everything sent
/// before it, the assemblies' <c>[WorkerInitializer]</c> methods included, has run.
/// </remarks>
internal sealed class WorkerSession : IFrameHandler
{
    private static WorkerSession? current;

    private readonly WorkerArguments _arguments;
    private readonly Action<string> _onFatal;
    private readonly DispatcherRegistry _registry = new();
    private readonly Channel<WorkItem> _work = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _cancellations = new();
    private readonly Action<FrameBuffer> _sendAnswer;
    private FrameChannel? _channel;
    private Exception? _initializerFailure;
    private int _shuttingDown;
    private bool _retireSent;

    /// <param name="arguments">The worker's command line.</param>
    /// <param name="onFatal">
    /// What to do when the session cannot go on (the channel broke, the executor failed): by default, say why on
    /// standard error and kill this process, since user code may never return and the parent replaces the worker.
    /// </param>
    public WorkerSession(WorkerArguments arguments, Action<string>? onFatal = null)
    {
        _arguments = arguments;
        _onFatal = onFatal ?? DieNow;
        _sendAnswer = SendAnswer;
    }

    private enum WorkKind
    {
        Call,
        Initialize,
        Pong,
    }

    /// <summary>The session of this worker process; lets tests play a worker that breaks the protocol.</summary>
    internal static WorkerSession? Current => Volatile.Read(ref current);

    /// <summary>True once the pool asked this worker to finish and exit.</summary>
    public bool IsShuttingDownGracefully => Volatile.Read(ref _shuttingDown) != 0;

    public async Task<int> RunAsync(Socket socket)
    {
        await using var channel = new FrameChannel(socket, _arguments.MaxFrameBytes);
        _channel = channel;
        Volatile.Write(ref current, this);
        var executor = Task.Run(ExecuteAsync);
        try
        {
            await channel.RunAsync(this).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _onFatal($"channel failed: {ex.GetType().Name}: {ex.Message}");
            _work.Writer.TryComplete();
            return 1;
        }

        if (!IsShuttingDownGracefully)
        {
            // The parent closed the channel without asking us to finish: it is gone, and so are we.
            _onFatal("the pool closed the channel");
            _work.Writer.TryComplete();
            return 1;
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
                var load = Decode<LoadAssemblyMessage>(body, "LoadAssembly");
                if (string.IsNullOrEmpty(load.FullName))
                {
                    // Without this, a null name failed deep in the registry with an ArgumentNullException.
                    throw new OffloadProtocolException("LoadAssembly frame names no assembly.");
                }

                var dispatchers = _registry.Load(load);
                if (dispatchers.Count > 0)
                {
                    Enqueue(new WorkItem(WorkKind.Initialize, header.CallId) { Dispatchers = dispatchers });
                }

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
                _work.Writer.TryComplete();
                break;
            case FrameKind.Ping:
                Enqueue(new WorkItem(WorkKind.Pong, header.CallId));
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

    /// <summary>Sends bytes as they are, unchecked: for tests that play a worker breaking the protocol.</summary>
    internal void SendRaw(ReadOnlySpan<byte> bytes) => Send(FrameBuffer.CreateRaw(bytes));

    private static T Decode<T>(in ReadOnlySequence<byte> body, string what)
    {
        try
        {
            return MemoryPackSerializer.Deserialize<T>(body) ?? throw new OffloadProtocolException($"Empty {what} frame.");
        }
        catch (Exception ex) when (ex is not OffloadProtocolException)
        {
            throw new OffloadProtocolException($"Unreadable {what} frame: {ex.Message}", ex);
        }
    }

    private void DieNow(string reason)
    {
        try
        {
            Console.Error.WriteLine($"Offload worker {_arguments.WorkerId}: {reason}");
        }
        finally
        {
            WorkerHost.ExitNow();
        }
    }

    private void Enqueue(WorkItem item)
    {
        if (!_work.Writer.TryWrite(item))
        {
            item.Cancellation?.Dispose();
            if (item.Arguments is { } arguments)
            {
                ArrayPool<byte>.Shared.Return(arguments);
            }

            throw new OffloadProtocolException($"A {item.Kind} arrived after shutdown.");
        }
    }

    private void EnqueueCall(long callId, in ReadOnlySequence<byte> body)
    {
        if (body.Length < ProtocolConstants.MethodIdSize)
        {
            throw new OffloadProtocolException("Call frame too short for its method id.");
        }

        if (_cancellations.ContainsKey(callId))
        {
            throw new OffloadProtocolException($"Call id {callId} is already in use.");
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
        var invocation = new Invocation(callId, methodId, arguments, argumentsLength, _sendAnswer, _arguments.MaxFrameBytes, cancellation.Token);
        Enqueue(new WorkItem(WorkKind.Call, callId) { Invocation = invocation, Arguments = arguments, Cancellation = cancellation });
    }

    private async Task ExecuteAsync()
    {
        try
        {
            await foreach (var item in _work.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                switch (item.Kind)
                {
                    case WorkKind.Call:
                        await ExecuteCallAsync(item).ConfigureAwait(false);
                        break;
                    case WorkKind.Initialize:
                        await InitializeAsync(item.Dispatchers!).ConfigureAwait(false);
                        break;
                    case WorkKind.Pong:
                        AnswerPing(item.CallId);
                        break;
                }
            }

            // Graceful shutdown: everything queued has been answered; let the writer drain and close our side.
            _channel?.CompleteWrites();
        }
        catch (Exception ex)
        {
            // Nothing should get here; if something does, a worker that silently stops answering would hang every
            // call sent to it. Dying instead makes the pool report the running call and replace this worker.
            _onFatal($"executor failed: {ex}");
        }
    }

    private async Task ExecuteCallAsync(WorkItem item)
    {
        var invocation = item.Invocation!;
        var cancellation = item.Cancellation!;
        try
        {
            if (cancellation.IsCancellationRequested)
            {
                invocation.Canceled();
                return;
            }

            await _registry.Find(invocation.MethodId).InvokeAsync(invocation).ConfigureAwait(false);
            if (!invocation.Answered)
            {
                invocation.Fail(new InvalidOperationException("The generated invoker returned without an answer."));
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested && !invocation.Answered)
        {
            invocation.Canceled();
        }
        catch (Exception ex) when (!invocation.Answered)
        {
            if (ex is OutOfMemoryException or InsufficientExecutionStackException)
            {
                // The call gets its exception, but a worker that ran out of memory or stack may be left in a bad state.
                // Asked before the answer goes out, so the caller's next call cannot land here.
                Retire($"a call failed with {ex.GetType().Name}");
            }

            invocation.Fail(ex);
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"Offload worker {_arguments.WorkerId}: exception after the call was answered: {ex}").ConfigureAwait(false);
        }
        finally
        {
            _cancellations.TryRemove(invocation.CallId, out _);
            cancellation.Dispose();
            ArrayPool<byte>.Shared.Return(item.Arguments!);
        }
    }

    /// <summary>
    /// Sends a call's answer. Before it goes out, the call id is freed (the parent may send the same call again at
    /// once, as a retry) and the memory limit is checked: a retire request that follows the answer would race with
    /// the caller's next call, which could then land on this worker.
    /// </summary>
    private void SendAnswer(FrameBuffer frame)
    {
        var callId = BinaryPrimitives.ReadInt64LittleEndian(frame.WrittenSpan[FrameHeader.CallIdOffset..]);
        _cancellations.TryRemove(callId, out _);
        CheckMemory();
        Send(frame);
    }

    /// <summary>Runs newly loaded assemblies' initializers; a failure is kept for the calls and the pong to report.</summary>
    private async Task InitializeAsync(IReadOnlyList<IOffloadDispatcher> dispatchers)
    {
        foreach (var dispatcher in dispatchers)
        {
            try
            {
                await dispatcher.InitializeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _registry.MarkInitializerFailed(dispatcher, ex);
                _initializerFailure ??= ex;
            }
        }
    }

    /// <summary>
    /// Answers a ping after everything queued before it ran. While an initializer has failed, the answer is that
    /// error instead: the pool then knows this worker cannot serve, and why.
    /// </summary>
    private void AnswerPing(long pingId)
    {
        if (_initializerFailure is { } failure)
        {
            var error = FrameBuffer.CreateError(failure, _arguments.MaxFrameBytes);
            error.Seal(FrameKind.Error, pingId);
            Send(error);
            return;
        }

        Send(FrameBuffer.CreateEmpty(FrameKind.Pong, pingId));
    }

    private void CheckMemory()
    {
        if (_arguments.MemoryLimitBytes is not { } limit || _retireSent)
        {
            return;
        }

        var workingSet = Environment.WorkingSet;
        if (workingSet > limit)
        {
            Retire(string.Create(CultureInfo.InvariantCulture, $"its working set is {workingSet / (1024 * 1024)} MiB, over the limit of {limit / (1024 * 1024)} MiB"));
        }
    }

    private void Retire(string reason)
    {
        if (_retireSent)
        {
            return;
        }

        _retireSent = true;
        var frame = FrameBuffer.CreateMessage(reason);
        frame.Seal(FrameKind.Retire, 0);
        Send(frame);
    }

    private void Send(FrameBuffer frame)
    {
        if (_channel is null || !_channel.TrySend(frame))
        {
            frame.Dispose();
        }
    }

    private readonly record struct WorkItem(WorkKind Kind, long CallId)
    {
        public Invocation? Invocation { get; init; }

        public byte[]? Arguments { get; init; }

        public CancellationTokenSource? Cancellation { get; init; }

        public IReadOnlyList<IOffloadDispatcher>? Dispatchers { get; init; }
    }
}
