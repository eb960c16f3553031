using System.Diagnostics;
using System.Runtime.CompilerServices;
using MemoryPack;
using Offload.CompilerServices;
using Offload.Protocol;

namespace Offload.Worker;

/// <summary>
/// Runs a map chunk in a worker (see <see cref="BatchLayout"/>): reads the item count, then for each item its
/// arguments, runs the method, and writes its result straight into the one result frame; answers once, at the end.
/// Items run one after another, in input order, as calls do. An item that throws stops the chunk: the answer holds
/// the results before it and its error.
/// </summary>
internal static class BatchExecution
{
    /// <summary>Runs every item of a chunk whose method completes synchronously.</summary>
    /// <remarks>
    /// Optimized from the first call: this loop is what a map costs per item in a worker, and a chunk may well finish
    /// before tiered compilation would have promoted it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ValueTask Run<TArguments, TRunner>(Invocation invocation, TRunner runner)
        where TArguments : struct, IOffloadArguments
        where TRunner : struct, IItemRunner<TArguments>
    {
        var start = Stopwatch.GetTimestamp();
        var token = invocation.CancellationToken;
        var arguments = invocation.ArgumentBytes;
        using var readState = MemoryPackReaderOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        using var writeState = MemoryPackWriterOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        var reader = new MemoryPackReader(arguments, readState);
        var count = ReadCount(ref reader);
        FrameBuffer? frame = StartResult(invocation, count, runner.ResultSizeHint);
        try
        {
            var writer = new MemoryPackWriter<FrameBuffer>(ref frame, writeState);
            var done = 0;
            Exception? failure = null;
            for (; done < count; done++)
            {
                // Between items, so that a canceled chunk stops within one item even if the method ignores its token.
                token.ThrowIfCancellationRequested();
                var item = default(TArguments);
                item.Read(ref reader);
                var before = writer.WrittenCount;
                try
                {
                    runner.RunAndWrite(item, token, ref writer);
                }
                catch (Exception ex) when (IsItemFailure(ex, token))
                {
                    // A result that failed to serialize may have left part of itself behind: cut it off.
                    writer.Flush();
                    frame!.Truncate(ResultItemsOffset + before);
                    failure = ex;
                    break;
                }
            }

            writer.Flush();
            if (failure is null && reader.Consumed != arguments.Length)
            {
                throw new OffloadProtocolException($"The chunk's arguments had {arguments.Length - reader.Consumed} unread bytes.");
            }

            Answer(invocation, ref frame, done, failure, start);
        }
        finally
        {
            frame?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs every item of a chunk whose method returns a <see cref="ValueTask{TResult}"/>, awaiting each in turn.</summary>
    public static async ValueTask RunAsync<TArguments, TResult>(Invocation invocation, Func<TArguments, CancellationToken, ValueTask<TResult>> run)
        where TArguments : struct, IOffloadArguments
    {
        var start = Stopwatch.GetTimestamp();
        var token = invocation.CancellationToken;
        using var readState = MemoryPackReaderOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        using var writeState = MemoryPackWriterOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        var offset = 0;
        var count = ReadCount(invocation, ref offset, readState);
        FrameBuffer? frame = StartResult(invocation, count, ResultSizeHint<TResult>());
        try
        {
            var done = 0;
            Exception? failure = null;
            for (; done < count; done++)
            {
                token.ThrowIfCancellationRequested();
                var item = ReadItem<TArguments>(invocation, ref offset, readState);
                var before = frame.Length;
                try
                {
                    var pending = run(item, token);
                    var result = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
                    AppendResult(frame, result, writeState);
                }
                catch (Exception ex) when (IsItemFailure(ex, token))
                {
                    frame.Truncate(before);
                    failure = ex;
                    break;
                }
            }

            if (failure is null)
            {
                CheckFullyRead(invocation, offset);
            }

            Answer(invocation, ref frame, done, failure, start);
        }
        finally
        {
            frame?.Dispose();
        }
    }

    /// <summary>Runs every item of a chunk whose method returns a <see cref="ValueTask"/>, awaiting each in turn.</summary>
    public static async ValueTask RunAsync<TArguments>(Invocation invocation, Func<TArguments, CancellationToken, ValueTask> run)
        where TArguments : struct, IOffloadArguments
    {
        var start = Stopwatch.GetTimestamp();
        var token = invocation.CancellationToken;
        using var readState = MemoryPackReaderOptionalStatePool.Rent(MemoryPackSerializerOptions.Default);
        var offset = 0;
        var count = ReadCount(invocation, ref offset, readState);
        FrameBuffer? frame = StartResult(invocation, count, 0);
        try
        {
            var done = 0;
            Exception? failure = null;
            for (; done < count; done++)
            {
                token.ThrowIfCancellationRequested();
                var item = ReadItem<TArguments>(invocation, ref offset, readState);
                try
                {
                    var pending = run(item, token);
                    if (!pending.IsCompletedSuccessfully)
                    {
                        await pending.ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (IsItemFailure(ex, token))
                {
                    failure = ex;
                    break;
                }
            }

            if (failure is null)
            {
                CheckFullyRead(invocation, offset);
            }

            Answer(invocation, ref frame, done, failure, start);
        }
        finally
        {
            frame?.Dispose();
        }
    }

    /// <summary>
    /// Writes one result: a value of an unmanaged type as its raw bytes (as MemoryPack writes arrays of them), so that
    /// the parent can copy a chunk's results in one go (<see cref="BatchLayout"/>); anything else with MemoryPack.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteResult<TResult>(ref MemoryPackWriter<FrameBuffer> writer, TResult result)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TResult>())
        {
            writer.WriteValue(result);
        }
        else
        {
            writer.DangerousWriteUnmanaged(result);
        }
    }

    /// <summary>A guess at a result's encoded size, so that the result frame rarely has to grow: exact for small unmanaged types.</summary>
    public static int ResultSizeHint<TResult>() =>
        RuntimeHelpers.IsReferenceOrContainsReferences<TResult>() ? 16 : Unsafe.SizeOf<TResult>();

    /// <summary>Where the first result starts in a result frame.</summary>
    private const int ResultItemsOffset = FrameHeader.Size + BatchLayout.ResultPrefixSize;

    /// <summary>
    /// An exception that fails its item. One that stops the chunk because the chunk was canceled is not an item's
    /// failure: it propagates, so the worker answers that the call was canceled.
    /// </summary>
    private static bool IsItemFailure(Exception exception, CancellationToken token) =>
        !(exception is OperationCanceledException && token.IsCancellationRequested);

    private static int ReadCount(ref MemoryPackReader reader)
    {
        var count = reader.ReadUnmanaged<int>();
        if (count < 0)
        {
            throw new OffloadProtocolException($"A chunk cannot hold {count} items.");
        }

        return count;
    }

    private static int ReadCount(Invocation invocation, ref int offset, MemoryPackReaderOptionalState state)
    {
        var reader = new MemoryPackReader(invocation.ArgumentBytes, state);
        var count = ReadCount(ref reader);
        offset = reader.Consumed;
        return count;
    }

    private static TArguments ReadItem<TArguments>(Invocation invocation, ref int offset, MemoryPackReaderOptionalState state)
        where TArguments : struct, IOffloadArguments
    {
        var reader = new MemoryPackReader(invocation.ArgumentBytes[offset..], state);
        var item = default(TArguments);
        item.Read(ref reader);
        offset += reader.Consumed;
        return item;
    }

    private static void CheckFullyRead(Invocation invocation, int offset)
    {
        var length = invocation.ArgumentBytes.Length;
        if (offset != length)
        {
            throw new OffloadProtocolException($"The chunk's arguments had {length - offset} unread bytes.");
        }
    }

    private static void AppendResult<TResult>(FrameBuffer frame, TResult result, MemoryPackWriterOptionalState state)
    {
        var writer = new MemoryPackWriter<FrameBuffer>(ref frame, state);
        WriteResult(ref writer, result);
        writer.Flush();
    }

    /// <summary>A result frame with room for the count and the worker's time, sized for <paramref name="count"/> results.</summary>
    private static FrameBuffer StartResult(Invocation invocation, int count, int resultSizeHint)
    {
        var capacity = ResultItemsOffset + Math.Min((long)count * resultSizeHint, 1 << 20);
        var frame = FrameBuffer.Create((int)capacity, invocation.Channel?.SharedArena);
        frame.GetSpan(BatchLayout.ResultPrefixSize);
        frame.Advance(BatchLayout.ResultPrefixSize);
        return frame;
    }

    /// <summary>
    /// Adds the failed item's error after the results, if an item failed; fills in the count and the worker's time;
    /// checks the frame's size and sends it. The invocation then owns the frame.
    /// </summary>
    private static void Answer(Invocation invocation, ref FrameBuffer? frame, int done, Exception? failure, long start)
    {
        var buffer = frame!;
        if (failure is not null)
        {
            if (RemoteError.LeavesWorkerSuspect(failure))
            {
                // As for a call: the item gets its exception, but the worker may be left in a bad state. Asked before
                // the answer goes out, so that the caller's next call cannot land here.
                invocation.RequestRetire?.Invoke($"a call failed with {failure.GetType().Name}");
            }

            buffer.AppendError(failure, invocation.MaxFrameBytes);
        }

        if (buffer.Length > invocation.MaxFrameBytes)
        {
            throw new PayloadTooLargeException(
                $"The chunk's {done} results take {buffer.Length} bytes, more than the maximum frame size of {invocation.MaxFrameBytes} bytes; raise WorkerPoolOptions.MaxFrameBytes or set a smaller MapOptions.ChunkSize.")
            {
                PayloadBytes = buffer.Length,
                MaxFrameBytes = invocation.MaxFrameBytes,
            };
        }

        buffer.PatchInt32(BatchLayout.ResultCountOffset, done);
        buffer.PatchInt64(BatchLayout.ResultCountOffset + sizeof(int), Stopwatch.GetElapsedTime(start).Ticks * TimeSpan.NanosecondsPerTick);
        frame = null;
        invocation.AnswerBatch(buffer);
    }
}
