using System.Buffers.Binary;
using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using MemoryPack;
using Microsoft.Extensions.Logging;
using Offload.CompilerServices;
using Offload.Protocol;
using Offload.Transport;
using Offload.Transport.SharedMemory;
using Offload.Worker.Logging;

namespace Offload.Worker;

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
    /// <summary>Answers held back while more work is queued, at most; then they go out even under load.</summary>
    private const int MaxUnflushedAnswers = 32;

    private static WorkerSession? current;

    private readonly WorkerArguments _arguments;
    private readonly Action<string> _onFatal;
    private readonly DispatcherRegistry _registry = new();
    private readonly BlockingCollection<WorkItem> _work = new(new ConcurrentQueue<WorkItem>());
    private readonly TaskCompletionSource _executorDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<long, Invocation> _cancellations = new();
    private readonly Action<FrameBuffer> _sendAnswer;
    private readonly Action<string> _retire;
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
        _retire = Retire;
    }

    /// <summary>The session of this worker process; lets tests play a worker that breaks the protocol.</summary>
    internal static WorkerSession? Current => Volatile.Read(ref current);

    /// <summary>The id of the call the executor is running, if any; for tests that play a worker breaking the protocol.</summary>
    internal long? RunningCallId { get; private set; }

    /// <summary>The session's channel; for tests that play a worker breaking the protocol.</summary>
    internal FrameChannel? Channel => _channel;

    /// <summary>True once the pool asked this worker to finish and exit.</summary>
    public bool IsShuttingDownGracefully => Volatile.Read(ref _shuttingDown) != 0;

    public async Task<int> RunAsync(Socket socket)
    {
        await using var channel = new FrameChannel(
            socket, _arguments.MaxFrameBytes, sharedMemory: _arguments.SharedMemory is { } shared ? SharedMemoryLink.ForWorker(shared, _arguments.WorkerId) : null);
        _channel = channel;
        Volatile.Write(ref current, this);
        OffloadWorker.WorkerLoggers = new WorkerLoggerFactory(_arguments.WorkerId, (LogLevel)_arguments.LogLevel, SendLog);
        // One dedicated thread runs every call: user code always sees the same thread (some native libraries insist),
        // and a call handed over from the read loop wakes a waiting thread instead of queueing on the thread pool.
        var executor = new Thread(Execute) { IsBackground = true, Name = "Offload executor" };
        executor.Start();
        try
        {
            await channel.RunAsync(this).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsShuttingDownGracefully || ex is OffloadProtocolException)
        {
            _onFatal($"channel failed: {ex.GetType().Name}: {ex.Message}");
            _work.CompleteAdding();
            return WorkerExitCodes.Failed;
        }
        catch (Exception)
        {
            // The pool asked us to finish, then closed the channel hard (a reset): as expected as a clean close, and no
            // error to report. A frame that breaks the protocol after the shutdown is still one (above).
        }

        if (!IsShuttingDownGracefully)
        {
            // The parent closed the channel without asking us to finish: it is gone, and so are we.
            _onFatal("the pool closed the channel");
            _work.CompleteAdding();
            return WorkerExitCodes.Failed;
        }

        await _executorDone.Task.ConfigureAwait(false);
        return WorkerExitCodes.Success;
    }

    public void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> body)
    {
        switch (header.Kind)
        {
            case FrameKind.Call:
                EnqueueCall(header.CallId, header.Flags, body);
                break;
            case FrameKind.LoadAssembly:
                var load = LoadAssemblyMessage.TryRead(body) ?? throw new OffloadProtocolException("Unreadable LoadAssembly frame.");
                if (string.IsNullOrEmpty(load.FullName))
                {
                    // Without this, a null name failed deep in the registry with an ArgumentNullException.
                    throw new OffloadProtocolException("LoadAssembly frame names no assembly.");
                }

                var dispatchers = _registry.Load(load.FullName, load.Location);
                if (dispatchers.Count > 0)
                {
                    Enqueue(new WorkItem(WorkKind.Initialize, header.CallId) { Dispatchers = dispatchers });
                }

                break;
            case FrameKind.Cancel:
                if (_cancellations.TryGetValue(header.CallId, out var canceled))
                {
                    // Off the read loop: user callbacks registered on the token run there, and one that blocks or
                    // throws must not stall or break the channel.
                    _ = Task.Run(canceled.CancelSafely);
                }

                break;
            case FrameKind.Credit:
                var credit = CreditMessage.Read(body);

                // A credit for a stream that already ended finds no call: nothing to do.
                if (_cancellations.TryGetValue(header.CallId, out var streaming))
                {
                    streaming.AddStreamCredit(credit);
                }

                break;
            case FrameKind.Shutdown:
                Volatile.Write(ref _shuttingDown, 1);
                _work.CompleteAdding();
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

    /// <summary>Sends bytes as they are, unchecked: for tests that play a worker breaking the protocol.</summary>
    internal void SendRaw(ReadOnlySpan<byte> bytes)
    {
        var frame = FrameBuffer.CreateRaw(bytes);
        if (_channel is null || !_channel.TrySend(frame))
        {
            frame.Dispose();
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
        if (_work.IsAddingCompleted || !TryAdd(item))
        {
            item.ReleaseArguments();
            throw new OffloadProtocolException($"A {item.Kind} arrived after shutdown.");
        }
    }

    private void EnqueueCall(long callId, byte flags, in ReadOnlySequence<byte> body)
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

        // A traced call's trace context sits between the method id and the arguments.
        var argumentsOffset = ProtocolConstants.MethodIdSize;
        var trace = TraceContextBlock.ReadIfPresent(flags, body, ref argumentsOffset);

        var (arguments, shared, argumentBytes) = WorkItem.TakeArguments(_channel, body, argumentsOffset);
        var invocation = new Invocation(callId, methodId, argumentBytes, _sendAnswer, _arguments.MaxFrameBytes)
        {
            // A map chunk reports its items' failures itself, so it asks for retirement itself too.
            RequestRetire = _retire,
            Channel = _channel,
            StreamWindow = _arguments.StreamWindow,
        };
        _cancellations[callId] = invocation;
        Enqueue(new WorkItem(WorkKind.Call, callId) { Invocation = invocation, Arguments = arguments, SharedArguments = shared, Trace = trace });
    }

    private bool TakeNext(out WorkItem item)
    {
        try
        {
            item = _work.Take();
            return true;
        }
        catch (InvalidOperationException)
        {
            // Adding was completed and the queue is empty: the pool asked us to finish.
            item = default;
            return false;
        }
    }

    private bool TryAdd(WorkItem item)
    {
        try
        {
            _work.Add(item);
            return true;
        }
        catch (InvalidOperationException)
        {
            // Adding was completed (shutdown) in the meantime.
            return false;
        }
    }

    /// <summary>
    /// The executor thread: runs queued work one item at a time. Answers go out when the queue runs dry (or every few
    /// answers under load), so a burst of short calls leaves in a few writes while a lone call is answered at once.
    /// </summary>
    private void Execute()
    {
        try
        {
            var unflushed = 0;
            while (TakeNext(out var item))
            {
                var work = item.Kind switch
                {
                    WorkKind.Call => ExecuteCallAsync(item),
                    WorkKind.Initialize => InitializeAsync(item.Dispatchers!),
                    _ => AnswerPing(item.CallId),
                };

                // Asynchronous methods continue on the thread pool; this thread waits, as a worker runs one call at a time.
                work.GetAwaiter().GetResult();
                if (++unflushed >= MaxUnflushedAnswers || _work.Count == 0)
                {
                    _channel?.Flush();
                    unflushed = 0;
                }
            }

            // Graceful shutdown: everything queued has been answered; let the writer drain and close our side.
            _channel?.Flush();
            _channel?.CompleteWrites();
            _executorDone.TrySetResult();
        }
        catch (Exception ex)
        {
            // Nothing should get here; if something does, a worker that silently stops answering would hang every
            // call sent to it. Dying instead makes the pool report the running call and replace this worker.
            _executorDone.TrySetResult();
            _onFatal($"executor failed: {ex}");
        }
    }

    private async Task ExecuteCallAsync(WorkItem item)
    {
        var invocation = item.Invocation!;
        RunningCallId = invocation.CallId;
        try
        {
            if (invocation.IsCancellationRequested)
            {
                invocation.Canceled();
                return;
            }

            SerializerWarmup.Wait();
            await CallTrace.InvokeAsync(_registry.Find(invocation.MethodId), invocation, item.Trace, _arguments.WorkerId).ConfigureAwait(false);
            if (!invocation.Answered)
            {
                invocation.Fail(new InvalidOperationException("The generated invoker returned without an answer."));
            }
        }
        catch (OperationCanceledException) when (invocation.IsCancellationRequested && !invocation.Answered)
        {
            invocation.Canceled();
        }
        catch (Exception ex) when (!invocation.Answered)
        {
            if (RemoteError.LeavesWorkerSuspect(ex))
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
            invocation.DisposeCancellation();
            RunningCallId = null;
            item.ReleaseArguments();
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
        Enqueue(frame);
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
    private Task AnswerPing(long pingId)
    {
        if (_initializerFailure is { } failure)
        {
            var error = FrameBuffer.CreateError(failure, _arguments.MaxFrameBytes);
            error.Seal(FrameKind.Error, pingId);
            Enqueue(error);
            return Task.CompletedTask;
        }

        Enqueue(FrameBuffer.CreateEmpty(FrameKind.Pong, pingId));
        return Task.CompletedTask;
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
        Enqueue(frame);
    }

    /// <summary>Sends what worker code logged, tagged with the running call, at once: a log line should not wait for the call to end.</summary>
    private void SendLog(LogRecord record)
    {
        var frame = record.ToFrame(RunningCallId ?? 0, _arguments.MaxFrameBytes);
        if (_channel is null || !_channel.TrySend(frame))
        {
            frame.Dispose();
        }
    }

    /// <summary>Queues a frame for the executor's next flush.</summary>
    private void Enqueue(FrameBuffer frame)
    {
        if (_channel is null || !_channel.TryEnqueue(frame))
        {
            frame.Dispose();
        }
    }
}
