using System.Buffers;
using System.ComponentModel;
using MemoryPack;
using Offload.Protocol;
using Offload.Worker;

namespace Offload.CompilerServices;

/// <summary>
/// One call as a worker sees it: the method id, the encoded arguments, the call's cancellation token and the way back
/// for the result. Generated invokers read the arguments and hand the method's result to one of the <c>Return</c> methods.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class Invocation
{
    // An array rented by the worker, or a slice of the parent's shared-memory region (read where it lies, no copy).
    private readonly ReadOnlyMemory<byte> _arguments;
    private readonly Action<FrameBuffer> _send;
    private readonly int _maxFrameBytes;
    private int _answered;
    private int _canceled;
    private CancellationTokenSource? _cancellation;

    internal Invocation(long callId, ulong methodId, ReadOnlyMemory<byte> arguments, Action<FrameBuffer> send, int maxFrameBytes)
    {
        CallId = callId;
        MethodId = methodId;
        _arguments = arguments;
        _send = send;
        _maxFrameBytes = maxFrameBytes;
    }

    /// <summary>The call's id on this channel.</summary>
    public long CallId { get; }

    /// <summary>The method to run.</summary>
    public ulong MethodId { get; }

    /// <summary>Fires when the caller cancels the call; bound to a <see cref="System.Threading.CancellationToken"/> parameter of the method.</summary>
    /// <remarks>
    /// Its source is created on first use: most methods take no token, and a source per call would cost them an
    /// allocation for nothing.
    /// </remarks>
    public CancellationToken CancellationToken
    {
        get
        {
            lock (this)
            {
                if (_cancellation is null)
                {
                    _cancellation = new CancellationTokenSource();
                    if (IsCancellationRequested)
                    {
                        _cancellation.Cancel();
                    }
                }

                return _cancellation.Token;
            }
        }
    }

    /// <summary>True once the caller canceled the call.</summary>
    internal bool IsCancellationRequested => Volatile.Read(ref _canceled) != 0;

    internal bool Answered => Volatile.Read(ref _answered) != 0;

    /// <summary>The call's encoded arguments (for a map chunk: the item count, then every item's arguments).</summary>
    internal ReadOnlySpan<byte> ArgumentBytes => _arguments.Span;

    /// <summary>The largest frame the channel takes.</summary>
    internal int MaxFrameBytes => _maxFrameBytes;

    /// <summary>
    /// Asks the pool to replace this worker, with the reason; set by the worker session. A map chunk answers an item's
    /// failure with its results so far instead of throwing, so the worker loop never sees an item that ran out of
    /// memory or stack, and the chunk asks for this itself.
    /// </summary>
    internal Action<string>? RequestRetire { get; init; }

    /// <summary>Reads the call's arguments.</summary>
    public TArguments ReadArguments<TArguments>()
        where TArguments : struct, IOffloadArguments
    {
        var arguments = default(TArguments);
        using var state = MemoryPackReaderOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        var reader = new MemoryPackReader(_arguments.Span, state);
        arguments.Read(ref reader);
        if (reader.Consumed != _arguments.Length)
        {
            throw new OffloadProtocolException($"The call's arguments had {_arguments.Length - reader.Consumed} unread bytes.");
        }

        return arguments;
    }

    /// <summary>Answers with no result.</summary>
    public ValueTask ReturnVoid()
    {
        Send(FrameKind.Result, FrameBuffer.Create(FrameHeader.Size));
        return ValueTask.CompletedTask;
    }

    /// <summary>Answers with <paramref name="result"/>.</summary>
    public ValueTask Return<TResult>(TResult result)
    {
        var buffer = FrameBuffer.CreateMessage(result, _maxFrameBytes, static (size, max) =>
            $"{size} bytes is more than the maximum frame size of {max} bytes; raise WorkerPoolOptions.MaxFrameBytes or return less.", Channel?.SharedArena);
        Send(FrameKind.Result, buffer);
        return ValueTask.CompletedTask;
    }

    /// <summary>Awaits <paramref name="task"/>, then answers with no result.</summary>
    public async ValueTask ReturnTask(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        await task.ConfigureAwait(false);
        await ReturnVoid().ConfigureAwait(false);
    }

    /// <summary>Awaits <paramref name="task"/>, then answers with its result.</summary>
    public async ValueTask ReturnTask<TResult>(Task<TResult> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var result = await task.ConfigureAwait(false);
        await Return(result).ConfigureAwait(false);
    }

    /// <summary>Awaits <paramref name="task"/>, then answers with no result.</summary>
    public async ValueTask ReturnValueTask(ValueTask task)
    {
        await task.ConfigureAwait(false);
        await ReturnVoid().ConfigureAwait(false);
    }

    /// <summary>Awaits <paramref name="task"/>, then answers with its result.</summary>
    public async ValueTask ReturnValueTask<TResult>(ValueTask<TResult> task)
    {
        var result = await task.ConfigureAwait(false);
        await Return(result).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a map chunk of a method that returns a value: each item in turn, then one answer with every result.
    /// <paramref name="run"/> calls the method with one item's arguments and the chunk's cancellation token.
    /// </summary>
    public ValueTask RunBatch<TArguments, TResult>(Func<TArguments, CancellationToken, TResult> run)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(run);
        return BatchExecution.Run<TArguments, ValueItemRunner<TArguments, TResult>>(this, new(run));
    }

    /// <summary>Runs a map chunk of a method with no result: each item in turn, then one answer.</summary>
    public ValueTask RunBatch<TArguments>(Action<TArguments, CancellationToken> run)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(run);
        return BatchExecution.Run<TArguments, VoidItemRunner<TArguments>>(this, new(run));
    }

    /// <summary>Runs a map chunk of an asynchronous method with a result, awaiting each item before the next.</summary>
    public ValueTask RunBatchAsync<TArguments, TResult>(Func<TArguments, CancellationToken, ValueTask<TResult>> run)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(run);
        return BatchExecution.RunAsync(this, run);
    }

    /// <summary>Runs a map chunk of an asynchronous method with no result, awaiting each item before the next.</summary>
    public ValueTask RunBatchAsync<TArguments>(Func<TArguments, CancellationToken, ValueTask> run)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(run);
        return BatchExecution.RunAsync(this, run);
    }

    /// <summary>Answers a map chunk with its result frame (<see cref="BatchLayout"/>), which the invocation then owns.</summary>
    internal void AnswerBatch(FrameBuffer frame) => Send(FrameKind.Result, frame);

    /// <summary>
    /// Answers with an error; used by the worker loop, never by generated code. An error too large for one frame (a
    /// huge message, thousands of inner exceptions) is cut down until it fits: the call must fail with its error, not
    /// be mistaken for a worker that broke the protocol.
    /// </summary>
    internal void Fail(Exception exception) => Send(FrameKind.Error, FrameBuffer.CreateError(exception, _maxFrameBytes));

    /// <summary>
    /// The caller canceled the call: the token fires (running the user's callbacks on this thread, so the worker calls
    /// it off its read loop).
    /// </summary>
    internal void Cancel()
    {
        Volatile.Write(ref _canceled, 1);
        CancellationTokenSource? cancellation;
        lock (this)
        {
            cancellation = _cancellation;
        }

        cancellation?.Cancel();
    }

    /// <summary>
    /// <see cref="Cancel"/> for the worker's read loop to run off its thread: a user callback that throws, or a call
    /// that finished meanwhile, must not break anything.
    /// </summary>
    internal void CancelSafely()
    {
        try
        {
            Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call finished while the cancel was on its way.
        }
        catch (AggregateException)
        {
            // A user callback threw; the call itself reports what happens next.
        }
    }

    /// <summary>Releases the token's source once the call is over.</summary>
    internal void DisposeCancellation()
    {
        lock (this)
        {
            _cancellation?.Dispose();
        }
    }

    /// <summary>Answers that the call stopped on cancellation.</summary>
    internal void Canceled() => Send(FrameKind.Canceled, FrameBuffer.Create(FrameHeader.Size));

    private void Send(FrameKind kind, FrameBuffer buffer)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            buffer.Dispose();
            throw new InvalidOperationException("The call was already answered.");
        }

        CloseProgress();
        buffer.Seal(kind, CallId);
        _send(buffer);
    }
}
