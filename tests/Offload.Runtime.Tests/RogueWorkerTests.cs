using System.Collections.Concurrent;
using CsCheck;
using MemoryPack;
using Offload.Protocol;
using Xunit.Abstractions;

namespace Offload.Runtime.Tests;

/// <summary>One pool for <see cref="RogueWorkerTests"/>: two workers, one call at a time each, the smallest frame limit.</summary>
public sealed class RoguePoolFixture : IAsyncLifetime
{
    /// <summary>The pool's maximum frame size.</summary>
    public const int MaxFrameBytes = ProtocolConstants.MinMaxFrameBytes;

    /// <summary>What the workers wrote.</summary>
    public ConcurrentQueue<WorkerOutputLine> Output { get; } = new();

    /// <summary>The pool.</summary>
    public WorkerPool Pool { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        // No prefetch: a worker holds only the call that is running, which is the one the rogue method answers.
        Pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, Prefetch = 0, MaxFrameBytes = MaxFrameBytes, WorkerOutput = Output.Enqueue });
        await Pool.StartAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await Pool.DisposeAsync();
}

/// <summary>
/// Real worker processes that break the protocol on purpose, from inside a call: the parent fails that call with a
/// typed exception that names the cause, replaces the worker, and goes on serving; nothing hangs.
/// </summary>
public sealed class RogueWorkerTests(RoguePoolFixture fixture, ITestOutputHelper output) : IClassFixture<RoguePoolFixture>
{
    private const int Max = RoguePoolFixture.MaxFrameBytes;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Frames a worker may send at any time, which the parent accepts or ignores.</summary>
    private static readonly Gen<byte[]> Benign = Gen.Frequency(
        (6, Gen.Long.Select(id => FuzzFrames.Frame(FrameKind.Pong, id, []))),
        (6, Gen.Select(Gen.OneOf(FrameKind.Progress, FrameKind.StreamItem, FrameKind.StreamEnd, FrameKind.Log), Gen.Long, Gen.Byte, Gen.Byte.Array[0, 64], (kind, id, flags, body) => FuzzFrames.Frame(kind, id, body, flags))),
        (1, Gen.String.Select(reason => FuzzFrames.Frame(FrameKind.Retire, 0, MemoryPackSerializer.Serialize(reason)))));

    /// <summary>Frames that break the protocol: the parent must give up on the worker.</summary>
    private static readonly Gen<byte[]> Violation = Gen.Frequency(
        (2, Gen.Select(Gen.OneOf(FrameKind.Result, FrameKind.Error, FrameKind.Canceled), StrayCallId(), Gen.Byte.Array[0, 16], (kind, id, body) => FuzzFrames.Frame(kind, id, body))),
        (2, Gen.Select(Gen.Byte.Where(k => !IsAccepted(k) && !IsSharedMemoryKind(k)), Gen.Long, Gen.Byte.Array[0, 16], (kind, id, body) => FuzzFrames.Frame(kind, id, body))),
        (1, Gen.Select(Gen.UInt[0, 11], Gen.Byte.Array[0, 16], (length, tail) => Concat(FuzzFrames.Header(length, (byte)FrameKind.Log, 0, 0, 0), tail))),
        (1, Gen.Select(Gen.UInt[Max - 3, uint.MaxValue], Gen.Byte.Array[0, 16], (length, tail) => Concat(FuzzFrames.Header(length, (byte)FrameKind.Result, 0, 0, 0), tail))),
        (1, Gen.Select(Gen.UShort[1, ushort.MaxValue], Gen.Byte.Array[0, 16], (reserved, body) => Concat(FuzzFrames.Header((uint)(12 + body.Length), (byte)FrameKind.Log, 0, reserved, 0), body))),
        (1, Gen.Byte.Array[1, 48]),
        (1, Gen.Byte.Array[1, 8].Select(body => FuzzFrames.Frame(FrameKind.Retire, 0, Concat([0x40, 0, 0, 0], body)))),
        (1, Gen.Select(Benign, Gen.Int[1, 1000], (frame, cut) => frame.AsSpan(0, Math.Max(1, cut % frame.Length)).ToArray())));

    private static readonly Gen<byte[][]> Batch = Gen.Select(
        Benign.Array[5, 20],
        Gen.Frequency((1, Gen.Const(Array.Empty<byte[]>())), (1, Violation.Select(v => new[] { v }))),
        Benign.Array[0, 5],
        (before, violation, after) => (byte[][])[.. before, .. violation, .. after]);

    private WorkerPool Pool => fixture.Pool;

    [Theory]
    [InlineData("unknown kind")]
    [InlineData("hello after the start")]
    [InlineData("an answer for a call not in flight")]
    [InlineData("a length over the maximum")]
    [InlineData("a length under the header")]
    [InlineData("a non-zero reserved field")]
    [InlineData("a truncated frame, then nothing")]
    [InlineData("random bytes")]
    [InlineData("an unreadable retire request")]
    public async Task A_malformed_frame_fails_the_running_call_clearly_and_the_worker_is_replaced(string attack)
    {
        var (bytes, cause) = attack switch
        {
            "unknown kind" => (FuzzFrames.Frame(200, 7, [1, 2, 3]), "Unexpected frame kind 200 from worker"),
            "hello after the start" => (FuzzFrames.Frame(FrameKind.Hello, 0, [0]), "Unexpected frame kind 1 from worker"),
            "an answer for a call not in flight" => (FuzzFrames.Frame(FrameKind.Result, 1L << 50, [42]), $"answered call {1L << 50}, which it was not running"),
            "a length over the maximum" => (FuzzFrames.Header(100_000, (byte)FrameKind.Result, 0, 0, 1), $"Frame of 100004 bytes exceeds the maximum frame size of {Max} bytes"),
            "a length under the header" => (FuzzFrames.Header(5, (byte)FrameKind.Result, 0, 0, 1), "Frame length 5 is smaller than the 12-byte header"),
            "a non-zero reserved field" => (FuzzFrames.Header(12, (byte)FrameKind.Log, 0, 0x0100, 1), "Frame header has a non-zero reserved field"),
            "a truncated frame, then nothing" => (FuzzFrames.Frame(FrameKind.Log, 0, new byte[100])[..40], "The channel ended inside a frame (40 bytes of 116 received)"),
            "random bytes" => (RandomBytes(), PredictParent(RandomBytes())!),
            _ => (FuzzFrames.Frame(FrameKind.Retire, 0, [0x40, 0, 0, 0, 1]), "sent an unreadable retire request"),
        };

        // The hand-written cause and the model used by the generated test agree.
        Assert.StartsWith(PredictParent(bytes)!, cause, StringComparison.Ordinal);
        var before = await FullStrengthAsync();

        var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => RogueWorkloads.SendRawAsync(Pool, bytes, endStream: true).WaitAsync(Timeout));

        Assert.Equal("RogueWorkloads.SendRaw(byte[], bool)", error.MethodName);
        AssertProtocolError(cause, error);
        Assert.Contains(error.WorkerId!.Value, before);
        await AssertHealedAsync(before, error.WorkerId.Value);
    }

    [Fact]
    public async Task A_result_the_caller_cannot_read_fails_the_call_with_a_serialization_error_and_the_second_answer_replaces_the_worker()
    {
        var before = await FullStrengthAsync();

        // A Shape with its three members, the first a string of int.MaxValue characters.
        var error = await Assert.ThrowsAsync<OffloadSerializationException>(
            () => RogueWorkloads.AnswerOwnCallAsync(Pool, (byte)FrameKind.Result, [3, 0xFF, 0xFF, 0xFF, 0x7F]).WaitAsync(Timeout));

        Assert.Equal("RogueWorkloads.AnswerOwnCall(byte, byte[])", error.MethodName);
        Assert.Contains("The result of RogueWorkloads.AnswerOwnCall(byte, byte[]) could not be read", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.WorkerId!.Value, before);

        // The method then returned, answering a call that was no longer in flight: a protocol error.
        await AssertHealedAsync(before, error.WorkerId.Value);
    }

    [Fact]
    public async Task An_error_the_caller_cannot_read_fails_the_call_with_a_protocol_error_and_replaces_the_worker()
    {
        var before = await FullStrengthAsync();

        // A RemoteError with its five members, the first a string of int.MaxValue characters.
        var error = await Assert.ThrowsAsync<OffloadProtocolException>(
            () => RogueWorkloads.AnswerOwnCallAsync(Pool, (byte)FrameKind.Error, [5, 0xFF, 0xFF, 0xFF, 0x7F]).WaitAsync(Timeout));

        Assert.Matches(@"^Worker \d+ sent an unreadable error for call \d+\.$", error.Message);
        var worker = int.Parse(error.Message.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(worker, before);
        await AssertHealedAsync(before, worker);
    }

    [Fact]
    public async Task A_worker_that_stops_in_the_middle_of_a_frame_is_ended_by_the_call_timeout()
    {
        // Stopping mid-frame looks like a call that runs on: only a timeout can tell, so this pool has one.
        await using var pool = new WorkerPool(new WorkerPoolOptions
        {
            WorkerCount = 1,
            Prefetch = 0,
            MaxFrameBytes = Max,
            CallTimeout = TimeSpan.FromSeconds(1),
            WorkerOutput = _ => { },
        });
        await pool.StartAsync();
        var stalled = pool.Workers.Single().Id;

        var error = await Assert.ThrowsAsync<CallTimeoutException>(
            () => RogueWorkloads.SendRawAndStallAsync(pool, FuzzFrames.Frame(FrameKind.Log, 0, new byte[100])[..40]).WaitAsync(Timeout));

        Assert.Equal("RogueWorkloads.SendRawAndStall(byte[])", error.MethodName);
        Assert.Contains("did not finish within its timeout of 1 s", error.Message, StringComparison.Ordinal);
        Assert.Equal(3L, await Workloads.AddAsync(pool, 1L, 2L).WaitAsync(Timeout));
        Assert.NotEqual(stalled, pool.Workers.Single().Id);
    }

    [Fact]
    public async Task Generated_frames_from_inside_workers_fail_only_their_calls_and_the_pool_keeps_serving()
    {
        const int Calls = 10;
        long frames = 0, succeeded = 0, failed = 0;
        await Batch.SampleAsync(
            async batch =>
            {
                var bytes = batch.SelectMany(f => f).ToArray();
                var cause = PredictParent(bytes);
                var before = await FullStrengthAsync();

                // A batch ending inside a frame is followed by nothing, so that the parent sees where it ended.
                var call = RogueWorkloads.SendRawAsync(Pool, bytes, endStream: FuzzFrames.Decode(bytes, Max) is { Error: null } wire && wire.Consumed < bytes.Length);
                if (cause is null)
                {
                    Assert.True(await call.WaitAsync(Timeout) > 0);
                    await AssertHealedAsync(before, lost: null);
                    succeeded++;
                }
                else
                {
                    var error = await Assert.ThrowsAsync<WorkerCrashedException>(() => call.WaitAsync(Timeout));
                    AssertProtocolError(cause, error);
                    await AssertHealedAsync(before, error.WorkerId!.Value);
                    failed++;
                }

                frames += batch.Length;
            },
            iter: Calls,
            threads: 1,
            writeLine: output.WriteLine,
            print: batch => string.Join(" | ", batch.Select(Convert.ToHexString)));

        output.WriteLine($"{Calls} calls sent {frames} frames from inside workers: {succeeded} calls succeeded, {failed} failed as predicted");
        Assert.Equal(Calls, succeeded + failed);
        Assert.True(frames >= 100, $"only {frames} frames");
    }

    /// <summary>The crash names the protocol error as the reason the worker was killed, and the error names its cause.</summary>
    private static void AssertProtocolError(string cause, WorkerCrashedException error)
    {
        var at = error.Message.IndexOf("protocol error: ", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no protocol error in: {error.Message}");
        Assert.Contains(cause, error.Message[at..], StringComparison.Ordinal);
    }

    /// <summary>
    /// What the parent must make of <paramref name="bytes"/> sent by a worker while its call runs: the start of the
    /// protocol error that ends it, or null when every frame is one the parent accepts.
    /// </summary>
    private static string? PredictParent(byte[] bytes)
    {
        var wire = FuzzFrames.Decode(bytes, Max);
        foreach (var frame in wire.Frames)
        {
            switch ((FrameKind)frame.Kind)
            {
                case FrameKind.Result or FrameKind.Error or FrameKind.Canceled or FrameKind.StreamEnd:
                    return $"answered call {frame.CallId}, which it was not running";
                case FrameKind.Progress:
                    return $"sent a progress report for call {frame.CallId}, which it was not running";
                case FrameKind.StreamItem:
                    return $"sent a streamed item for call {frame.CallId}, which it was not running";
                case FrameKind.Log:
                    try
                    {
                        MemoryPackSerializer.Deserialize<LogRecord>(frame.Body);
                    }
                    catch (Exception)
                    {
                        return "sent an unreadable log entry";
                    }

                    break;
                case FrameKind.Retire:
                    try
                    {
                        MemoryPackSerializer.Deserialize<string>(frame.Body);
                    }
                    catch (Exception)
                    {
                        return "sent an unreadable retire request";
                    }

                    break;
                case var kind when !IsAccepted((byte)kind):
                    return $"Unexpected frame kind {frame.Kind} from worker";
            }
        }

        return wire.Error ?? (wire.Consumed < bytes.Length ? "The channel ended inside a frame" : null);
    }

    /// <summary>Kinds a worker may send while a call runs without breaking the protocol (answers aside).</summary>
    private static bool IsAccepted(byte kind) => (FrameKind)kind is FrameKind.Pong or FrameKind.Progress or FrameKind.StreamItem
        or FrameKind.StreamEnd or FrameKind.Log or FrameKind.Retire or FrameKind.Result or FrameKind.Error or FrameKind.Canceled;

    /// <summary>
    /// Shared-memory frames, which the channel of a pool with shared memory handles before the parent sees them, with
    /// errors of their own: <see cref="SharedMemoryTests"/> sends them on purpose.
    /// </summary>
    private static bool IsSharedMemoryKind(byte kind) => (FrameKind)kind is FrameKind.Shared or FrameKind.SharedRelease;

    /// <summary>Call ids the pool never gives a call while these tests run: 0 (the warm-up ping), negative, huge.</summary>
    private static Gen<long> StrayCallId() => Gen.Frequency((1, Gen.Const(0L)), (2, Gen.Long[long.MinValue, -1]), (2, Gen.Long[1L << 40, long.MaxValue]));

    private static byte[] RandomBytes()
    {
        var bytes = new byte[64];
        new Random(1234).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];

    private async Task<HashSet<int>> FullStrengthAsync()
    {
        await TestHelpers.WaitUntilAsync(() => Pool.Workers.Count == Pool.WorkerCount);
        return Pool.Workers.Select(w => w.Id).ToHashSet();
    }

    /// <summary>The lost worker is gone, the pool is back to full strength, and it serves calls.</summary>
    private async Task AssertHealedAsync(HashSet<int> before, int? lost)
    {
        await TestHelpers.WaitUntilAsync(() => Pool.Workers.Count == Pool.WorkerCount && Pool.Workers.All(w => w.Id != lost));
        if (lost is not null)
        {
            Assert.Single(Pool.Workers, w => !before.Contains(w.Id));
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Workloads.AddAsync(Pool, i, 1L))).WaitAsync(Timeout);
        Assert.Equal([1L, 2L, 3L, 4L], results);
    }
}
