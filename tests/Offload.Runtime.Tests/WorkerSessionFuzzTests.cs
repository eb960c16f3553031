using System.Buffers.Binary;
using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using CsCheck;
using MemoryPack;
using Offload.Protocol;
using Offload.Worker;
using Xunit.Abstractions;

namespace Offload.Runtime.Tests;

/// <summary>
/// Fuzzes the worker's side of the protocol: a real <see cref="WorkerSession"/> runs in this process over a connected
/// Unix socket whose other end the test holds, playing a parent that sends generated, mutated and broken frames
/// (CsCheck; a failure prints the seed that reproduces it). A model of the session predicts, from the bytes alone,
/// every answer in order and where and why the session must give up; each case checks that the session did exactly
/// that, within a time bound, without throwing out of <see cref="WorkerSession.RunAsync"/>.
/// </summary>
public sealed class WorkerSessionFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Max = 4096;
    private const long FirstPingId = 1_000_000;
    private const long FinalPingId = 999_999_999;
    private const int Cases = 1600;

    private static readonly string TestAssembly = typeof(RogueWorkloads).Assembly.FullName!;
    private static readonly ulong SumId = RogueWorkloads.Descriptor(nameof(RogueWorkloads.FuzzSum)).Id;
    private static readonly ulong EchoId = RogueWorkloads.Descriptor(nameof(RogueWorkloads.FuzzEcho)).Id;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Every method id of the test assembly: the fuzzer may call only the two harmless ones.</summary>
    private static readonly HashSet<ulong> KnownIds = new DispatcherRegistry()
        .Load(TestAssembly)
        .SelectMany(d => d.MethodIds)
        .ToHashSet();

    private static readonly Gen<Op> Ops = Gen.Frequency(
        (16, Gen.Const(Op.Ping)),
        (3, Gen.Const(Op.Pong)),
        (5, Gen.Const(Op.Cancel)),
        (1, Gen.Const(Op.Shutdown)),
        (16, Gen.Const(Op.Sum)),
        (5, Gen.Const(Op.SumGarbage)),
        (12, Gen.Const(Op.Echo)),
        (5, Gen.Const(Op.EchoGarbage)),
        (8, Gen.Const(Op.UnknownMethod)),
        (1, Gen.Const(Op.ShortCall)),
        (6, Gen.Const(Op.LoadTests)),
        (2, Gen.Const(Op.LoadMissing)),
        (1, Gen.Const(Op.LoadNoName)),
        (1, Gen.Const(Op.LoadGarbage)),
        (1, Gen.Const(Op.UnexpectedKind)),
        (1, Gen.Const(Op.TooSmall)),
        (1, Gen.Const(Op.TooLarge)),
        (1, Gen.Const(Op.Reserved)),
        (1, Gen.Const(Op.RawBytes)),
        (2, Gen.Const(Op.FlippedCall)),
        (4, Gen.Const(Op.TracedSum)),
        (2, Gen.Const(Op.TracedGarbage)));

    private static readonly Gen<Step> Steps = Gen.Select(Ops, Gen.Long, Gen.Long, Gen.Byte, Gen.Byte.Array[0, 40], (op, a, b, x, bytes) => new Step(op, a, b, x, bytes));

    private static readonly Gen<Case> CaseGen = Gen.Select(
        Steps.Array[0, 24],
        Gen.Frequency((6, Gen.Const(Tail.Shutdown)), (2, Gen.Const(Tail.Close)), (2, Gen.Const(Tail.Truncated))),
        Gen.Int[1, 1000],
        (steps, tail, cut) => new Case(steps, tail, cut));

    private readonly string _directory = Directory.CreateTempSubdirectory("offload-fuzz-").FullName;
    private readonly SemaphoreSlim _connecting = new(1, 1);

    private enum Op
    {
        Ping,
        Pong,
        Cancel,
        Shutdown,
        Sum,
        SumGarbage,
        Echo,
        EchoGarbage,
        UnknownMethod,
        ShortCall,
        LoadTests,
        LoadMissing,
        LoadNoName,
        LoadGarbage,
        UnexpectedKind,
        TooSmall,
        TooLarge,
        Reserved,
        RawBytes,
        FlippedCall,

        /// <summary>A Sum call that carries a trace context (valid or not as a traceparent, always well framed).</summary>
        TracedSum,

        /// <summary>A Sum call flagged as traced whose body is garbage.</summary>
        TracedGarbage,
    }

    private enum Tail
    {
        /// <summary>A last ping, then a shutdown: a session still standing answers everything, then closes.</summary>
        Shutdown,

        /// <summary>The parent just closes the channel.</summary>
        Close,

        /// <summary>The parent closes the channel in the middle of a frame.</summary>
        Truncated,
    }

    [Fact]
    public async Task Every_session_answers_exactly_as_modeled_or_gives_up_with_a_clear_reason()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "s")));
        listener.Listen(16);
        var stats = new Stats();

        await CaseGen.SampleAsync(c => RunCaseAsync(listener, c, stats), iter: Cases, writeLine: output.WriteLine);

        output.WriteLine(stats.ToString());
        Assert.Equal(Cases, stats.Cases + stats.Skipped);
        Assert.True(stats.FramesSent >= 10_000, $"only {stats.FramesSent} frames sent");
        Assert.True(stats.FramesRead >= 5_000, $"only {stats.FramesRead} frames read before sessions ended");
        Assert.True(stats.Answers["Result"] > 0 && stats.Answers["Error"] > 0 && stats.Answers["Pong"] > 0, "some answers never came");
        Assert.True(stats.Graceful > 0, "no session ended gracefully");
        foreach (var reason in new[]
                 {
                     "Unexpected frame kind", "smaller than the", "exceeds the maximum frame size", "non-zero reserved field",
                     "too short for its method id", "arrived after shutdown", "Unreadable LoadAssembly frame", "ended inside a frame",
                     "names no assembly", "the pool closed the channel", "trace context",
                 })
        {
            Assert.True(stats.Fatal.Keys.Any(k => k.Contains(reason, StringComparison.Ordinal)), $"no session ended with '{reason}'");
        }
    }

    public void Dispose()
    {
        _connecting.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task RunCaseAsync(Socket listener, Case c, Stats stats)
    {
        var (bytes, framesSent) = Build(c);
        var expected = Predict(bytes);
        if (expected.Unsafe)
        {
            // A mutation hit the id of a test method that must not run in this process (astronomically rare).
            Interlocked.Increment(ref stats.Skipped);
            return;
        }

        Socket client;
        Socket server;
        await _connecting.WaitAsync();
        try
        {
            client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(listener.LocalEndPoint!);
            server = await listener.AcceptAsync();
        }
        finally
        {
            _connecting.Release();
        }

        using var parent = client;
        var fatal = new ConcurrentQueue<string>();
        var session = new WorkerSession(new WorkerArguments("fuzz", 1, Max), fatal.Enqueue);
        var run = Task.Run(() => session.RunAsync(server));
        var reading = ReadToEndAsync(parent);
        try
        {
            await parent.SendAsync(bytes);
            if (expected.CloseAfterSending)
            {
                parent.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // The session gave up and closed its end while frames were still going out.
        }

        // A session still standing after a shutdown answers everything queued, then closes its side; one that gave up
        // closes at once. Either way the stream ends: if it does not, the session hangs.
        var received = await reading.WaitAsync(CaseTimeout);
        parent.Close();
        var exitCode = await run.WaitAsync(CaseTimeout);

        var answers = Answers(received);
        var reasons = fatal.ToArray();
        if (reasons.Length == 1 && expected.DuplicateIds.Any(id => reasons[0].Contains($"Call id {id} is already in use", StringComparison.Ordinal)))
        {
            // A call id sent twice is refused only while its first call is still queued or running: a race the model
            // leaves open. Either way, what was answered must match.
            Assert.Equal(1, exitCode);
            Assert.True(answers.Count <= expected.Answers.Count, $"{answers.Count} answers for {expected.Answers.Count} questions");
            stats.Fatal.AddOrUpdate(Category(reasons[0]), 1, (_, n) => n + 1);
        }
        else if (expected.Fatal is null && !expected.PoolClosed)
        {
            Assert.Equal(0, exitCode);
            Assert.Empty(reasons);
            Assert.Equal(expected.Answers.Count, answers.Count);
            Interlocked.Increment(ref stats.Graceful);
        }
        else
        {
            Assert.Equal(1, exitCode);
            var reason = Assert.Single(reasons);
            if (expected.Fatal is { } phrase)
            {
                Assert.StartsWith("channel failed: OffloadProtocolException: ", reason, StringComparison.Ordinal);
                Assert.Contains(phrase, reason, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal("the pool closed the channel", reason);
            }

            // Answers already queued when the session gave up may be lost, never reordered or invented.
            Assert.True(answers.Count <= expected.Answers.Count, $"{answers.Count} answers for {expected.Answers.Count} questions");
            stats.Fatal.AddOrUpdate(Category(reason), 1, (_, n) => n + 1);
        }

        for (var i = 0; i < answers.Count; i++)
        {
            AssertAnswer(expected.Answers[i], answers[i]);
            stats.Answers.AddOrUpdate(((FrameKind)answers[i].Kind).ToString(), 1, (_, n) => n + 1);
        }

        Interlocked.Increment(ref stats.Cases);
        Interlocked.Add(ref stats.FramesSent, framesSent);
        Interlocked.Add(ref stats.FramesRead, expected.FramesRead);
    }

    private static void AssertAnswer(Expect expected, FuzzFrames.ModelFrame answer)
    {
        if (expected.IfLoaded is { } loaded && !IsUnknownMethodError(answer))
        {
            expected = loaded with { MayBeCanceled = expected.MayBeCanceled };
        }

        if (expected.MayBeCanceled && answer.Kind == (byte)FrameKind.Canceled)
        {
            Assert.Equal(expected.CallId, answer.CallId);
            Assert.Empty(answer.Body);
            return;
        }

        Assert.Equal((expected.Kind, expected.CallId), ((FrameKind)answer.Kind, answer.CallId));
        switch (expected.Kind)
        {
            case FrameKind.Pong:
                Assert.Empty(answer.Body);
                break;
            case FrameKind.Result:
                Assert.Equal(expected.Result, answer.Body);
                break;
            default:
                var error = MemoryPackSerializer.Deserialize<RemoteError>(answer.Body);
                Assert.NotNull(error);
                Assert.NotEmpty(error.TypeName);
                if (expected.UnknownMethod is { } methodId)
                {
                    Assert.Equal(typeof(OffloadProtocolException).FullName, error.TypeName);
                    Assert.Contains($"0x{methodId:x16}", error.Message, StringComparison.Ordinal);
                }

                break;
        }
    }

    private static bool IsUnknownMethodError(FuzzFrames.ModelFrame answer) =>
        answer.Kind == (byte)FrameKind.Error
        && MemoryPackSerializer.Deserialize<RemoteError>(answer.Body) is { } error
        && error.TypeName == typeof(OffloadProtocolException).FullName
        && error.Message.StartsWith("No generated dispatcher", StringComparison.Ordinal);

    /// <summary>Everything the session sent, which must be whole frames only.</summary>
    private static List<FuzzFrames.ModelFrame> Answers(byte[] received)
    {
        var buffer = new ReadOnlySequence<byte>(received);
        var frames = new List<FuzzFrames.ModelFrame>();
        while (FrameDecoder.TryReadFrame(ref buffer, Max, out var header, out var body, out _))
        {
            frames.Add(new FuzzFrames.ModelFrame((byte)header.Kind, header.Flags, header.CallId, body.ToArray()));
        }

        Assert.True(buffer.IsEmpty, $"the session's output ended inside a frame ({buffer.Length} bytes left)");
        return frames;
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                // The session closed with our frames still unread in its socket.
                n = 0;
            }

            if (n == 0)
            {
                return received.ToArray();
            }

            received.Write(buffer, 0, n);
        }
    }

    /// <summary>The bytes a case sends, and how many frames it meant them to be.</summary>
    private static (byte[] Bytes, int Frames) Build(Case c)
    {
        var stream = new List<byte>();
        var calls = new List<long>();
        var nextCall = 1L;
        for (var i = 0; i < c.Steps.Length; i++)
        {
            var sent = calls.Count;
            stream.AddRange(Encode(c.Steps[i], FirstPingId + i, calls, nextCall));
            nextCall += calls.Count - sent;
        }

        var frames = c.Steps.Length;
        switch (c.Tail)
        {
            case Tail.Shutdown:
                stream.AddRange(FuzzFrames.Frame(FrameKind.Ping, FinalPingId, []));
                stream.AddRange(FuzzFrames.Frame(FrameKind.Shutdown, 0, []));
                frames += 2;
                break;
            case Tail.Truncated:
                var call = SumCall(nextCall, c.Cut, -c.Cut);
                stream.AddRange(call.AsSpan(0, 1 + (c.Cut % (call.Length - 1))).ToArray());
                frames++;
                break;
        }

        return (stream.ToArray(), frames);
    }

    private static byte[] Encode(Step step, long pingId, List<long> calls, long nextCall)
    {
        switch (step.Op)
        {
            case Op.Ping:
                return FuzzFrames.Frame(FrameKind.Ping, pingId, step.Bytes.AsSpan(0, Math.Min(step.Bytes.Length, step.X % 4)), flags: step.X);
            case Op.Pong:
                return FuzzFrames.Frame(FrameKind.Pong, step.A, []);
            case Op.Cancel:
                var target = calls.Count > 0 && (step.A & 3) != 0 ? calls[(int)((ulong)step.A % (ulong)calls.Count)] : step.B;
                return FuzzFrames.Frame(FrameKind.Cancel, target, []);
            case Op.Shutdown:
                return FuzzFrames.Frame(FrameKind.Shutdown, 0, []);
            case Op.Sum:
                return Call(SumCall(nextCall, step.A, step.B));
            case Op.SumGarbage:
                return Call(FuzzFrames.Frame(FrameKind.Call, nextCall, FuzzFrames.CallBody(SumId, step.Bytes)));
            case Op.Echo:
                var data = step.X % 8 == 0 ? null : step.Bytes;
                return Call(FuzzFrames.Frame(FrameKind.Call, nextCall, FuzzFrames.CallBody(EchoId, MemoryPackSerializer.Serialize(data))));
            case Op.EchoGarbage:
                return Call(FuzzFrames.Frame(FrameKind.Call, nextCall, FuzzFrames.CallBody(EchoId, step.Bytes)));
            case Op.UnknownMethod:
                return Call(FuzzFrames.Frame(FrameKind.Call, nextCall, FuzzFrames.CallBody((ulong)step.A, step.Bytes)));
            case Op.ShortCall:
                return Call(FuzzFrames.Frame(FrameKind.Call, nextCall, step.Bytes.AsSpan(0, Math.Min(step.Bytes.Length, step.X % 8))));
            case Op.LoadTests:
                return Load(new LoadAssemblyMessage { FullName = TestAssembly });
            case Op.LoadMissing:
                return Load(new LoadAssemblyMessage { FullName = $"Missing.Fuzz{step.A & 0xff}, Version=1.0.0.0", Location = step.X % 2 == 0 ? null : "/nonexistent/fuzz.dll" });
            case Op.LoadNoName:
                return Load(new LoadAssemblyMessage { FullName = step.X % 2 == 0 ? null! : "" });
            case Op.LoadGarbage:
                return FuzzFrames.Frame(FrameKind.LoadAssembly, 0, step.Bytes);
            case Op.UnexpectedKind:
                var kind = step.X is >= (byte)FrameKind.LoadAssembly and <= (byte)FrameKind.Credit ? (byte)(step.X + 100) : step.X;
                return FuzzFrames.Frame(kind, step.A, step.Bytes);
            case Op.TooSmall:
                return [.. FuzzFrames.Header((uint)(step.X % 12), (byte)FrameKind.Ping, 0, 0, step.A), .. step.Bytes];
            case Op.TooLarge:
                var length = (uint)(Max - 3 + ((ulong)step.B % (uint.MaxValue - Max + 3)));
                return [.. FuzzFrames.Header(step.X % 2 == 0 ? length : uint.MaxValue, (byte)FrameKind.Call, 0, 0, step.A), .. step.Bytes];
            case Op.Reserved:
                return [.. FuzzFrames.Header((uint)(FuzzFrames.LengthOverhead + step.Bytes.Length), (byte)FrameKind.Ping, 0, (ushort)(1 + step.X), step.A), .. step.Bytes];
            case Op.RawBytes:
                return step.Bytes;
            case Op.TracedSum:
                var block = new System.Buffers.ArrayBufferWriter<byte>();
                var traceParent = $"00-{step.A:x16}{step.B:x16}-{step.B:x16}-0{step.X % 2}";
                Assert.True(new TraceContextBlock(traceParent, step.X % 3 == 0 ? "k=v" : "", step.X % 5 == 0 ? "a=b,c=%20d" : "").TryWrite(block));
                var sum = new byte[16];
                BinaryPrimitives.WriteInt64LittleEndian(sum, step.A);
                BinaryPrimitives.WriteInt64LittleEndian(sum.AsSpan(8), step.B);
                return Call(FuzzFrames.Frame(FrameKind.Call, nextCall, FuzzFrames.CallBody(SumId, [.. block.WrittenSpan, .. sum]), CallFrameFlags.TraceContext));
            case Op.TracedGarbage:
                return Call(FuzzFrames.Frame(FrameKind.Call, nextCall, FuzzFrames.CallBody(SumId, step.Bytes), CallFrameFlags.TraceContext));
            default:
                var frame = Call(SumCall(nextCall, step.A, step.B));
                frame[(int)((ulong)step.B % (ulong)frame.Length)] ^= (byte)(1 << (step.X % 8));
                return frame;
        }

        byte[] Call(byte[] frame)
        {
            calls.Add(BinaryPrimitives.ReadInt64LittleEndian(frame.AsSpan(8)));
            return frame;
        }
    }

    private static byte[] SumCall(long callId, long a, long b)
    {
        var arguments = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(arguments, a);
        BinaryPrimitives.WriteInt64LittleEndian(arguments.AsSpan(8), b);
        return FuzzFrames.Frame(FrameKind.Call, callId, FuzzFrames.CallBody(SumId, arguments));
    }

    private static byte[] Load(LoadAssemblyMessage message)
    {
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        message.Write(body);
        return FuzzFrames.Frame(FrameKind.LoadAssembly, 0, body.WrittenSpan);
    }

    /// <summary>
    /// What the session must do with <paramref name="bytes"/>: the frames come from the reference decoder, and each is
    /// interpreted as the protocol says a worker must (see <see cref="FrameKind"/>). The session runs its work one item at
    /// a time in arrival order, so its answers are predicted in order.
    /// </summary>
    private static Prediction Predict(byte[] bytes)
    {
        var prediction = new Prediction();
        var wire = FuzzFrames.Decode(bytes, Max);
        var loadedTests = false;
        var shutdown = false;
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var calls = new Dictionary<long, int>();
        var waitingForTests = new List<int>();
        foreach (var frame in wire.Frames)
        {
            prediction.FramesRead++;
            if (Interpret(frame) is { } fatal)
            {
                prediction.Fatal = fatal;
                return prediction;
            }

            if (prediction.Unsafe)
            {
                return prediction;
            }
        }

        if (wire.Error is { } error)
        {
            prediction.Fatal = error;
        }
        else if (wire.Consumed < bytes.Length)
        {
            prediction.Fatal = "The channel ended inside a frame";
        }
        else if (!shutdown)
        {
            prediction.PoolClosed = true;
        }
        else
        {
            // Graceful: the session answers everything, then closes its side; the test waits for that.
            prediction.CloseAfterSending = false;
        }

        return prediction;

        string? Interpret(FuzzFrames.ModelFrame frame)
        {
            switch ((FrameKind)frame.Kind)
            {
                case FrameKind.Call:
                    if (frame.Body.Length < 8)
                    {
                        return "Call frame too short for its method id";
                    }

                    if (calls.ContainsKey(frame.CallId))
                    {
                        prediction.DuplicateIds.Add(frame.CallId);
                    }

                    var arguments = frame.Body[8..];
                    if ((frame.Flags & CallFrameFlags.TraceContext) != 0)
                    {
                        // A traced call (a flipped flag bit): its trace context comes before the arguments, and one
                        // that is cut short or broken ends the session (its layout: TraceContextBlockTests).
                        try
                        {
                            TraceContextBlock.Read(new System.Buffers.ReadOnlySequence<byte>(arguments), out var traceSize);
                            arguments = arguments[traceSize..];
                        }
                        catch (OffloadProtocolException ex)
                        {
                            return ex.Message;
                        }
                    }

                    if (shutdown)
                    {
                        return "A Call arrived after shutdown";
                    }

                    var methodId = BinaryPrimitives.ReadUInt64LittleEndian(frame.Body);
                    if (KnownIds.Contains(methodId) && methodId != SumId && methodId != EchoId)
                    {
                        prediction.Unsafe = true;
                        return null;
                    }

                    calls[frame.CallId] = prediction.Answers.Count;
                    if (!loadedTests && (methodId == SumId || methodId == EchoId))
                    {
                        waitingForTests.Add(prediction.Answers.Count);
                    }

                    prediction.Answers.Add(PredictCall(frame.CallId, methodId, arguments, loadedTests));
                    return null;
                case FrameKind.LoadAssembly:
                    if (LoadAssemblyMessage.TryRead(new System.Buffers.ReadOnlySequence<byte>(frame.Body)) is not { } message)
                    {
                        return "Unreadable LoadAssembly frame";
                    }

                    if (string.IsNullOrEmpty(message.FullName))
                    {
                        return "LoadAssembly frame names no assembly";
                    }

                    if (!loaded.Add(message.FullName))
                    {
                        return null;
                    }

                    if (message.FullName == TestAssembly)
                    {
                        // Assemblies load on the read loop, as soon as the frame arrives; a call runs later, on the
                        // executor. Calls that came before this frame may still be queued, and then find the method.
                        foreach (var waiting in waitingForTests)
                        {
                            var call = prediction.Answers[waiting];
                            prediction.Answers[waiting] = call with { IfLoaded = PredictCall(call.CallId, call.UnknownMethod!.Value, call.Arguments!, loadedTests: true) };
                        }

                        waitingForTests.Clear();
                        loadedTests = true;
                        return shutdown ? "A Initialize arrived after shutdown" : null;
                    }

                    // Assembly names match loosely (case, partial names): keep garbage that might still name this
                    // assembly out of the model's way.
                    prediction.Unsafe |= message.FullName.Contains("Offload", StringComparison.OrdinalIgnoreCase);
                    return null;
                case FrameKind.Cancel:
                    if (calls.TryGetValue(frame.CallId, out var index))
                    {
                        prediction.Answers[index] = prediction.Answers[index] with { MayBeCanceled = true };
                    }

                    return null;
                case FrameKind.Shutdown:
                    shutdown = true;
                    return null;
                case FrameKind.Ping:
                    if (shutdown)
                    {
                        return "A Pong arrived after shutdown";
                    }

                    prediction.Answers.Add(new Expect(FrameKind.Pong, frame.CallId));
                    return null;
                case FrameKind.Pong:
                    return null;
                default:
                    return $"Unexpected frame kind {frame.Kind} from the pool";
            }
        }
    }

    private static Expect PredictCall(long callId, ulong methodId, byte[] arguments, bool loadedTests)
    {
        if (loadedTests && methodId == SumId)
        {
            if (arguments.Length != 16)
            {
                return new Expect(FrameKind.Error, callId);
            }

            var sum = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(sum, unchecked(BinaryPrimitives.ReadInt64LittleEndian(arguments) + BinaryPrimitives.ReadInt64LittleEndian(arguments.AsSpan(8))));
            return new Expect(FrameKind.Result, callId) { Result = sum };
        }

        if (loadedTests && methodId == EchoId)
        {
            // MemoryPack's byte[]: a 4-byte length (-1 for null), then that many bytes; anything else fails to read.
            var length = arguments.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(arguments) : int.MinValue;
            var valid = (length == -1 && arguments.Length == 4) || (length >= 0 && arguments.Length == 4L + length);
            return valid ? new Expect(FrameKind.Result, callId) { Result = arguments } : new Expect(FrameKind.Error, callId);
        }

        return new Expect(FrameKind.Error, callId) { UnknownMethod = methodId, Arguments = arguments };
    }

    private static string Category(string reason)
    {
        var text = reason.Replace("channel failed: OffloadProtocolException: ", "", StringComparison.Ordinal);
        text = text.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? text[..colon] : text;
        return System.Text.RegularExpressions.Regex.Replace(text, "-?[0-9]+", "N");
    }

    private sealed record Step(Op Op, long A, long B, byte X, byte[] Bytes)
    {
        public override string ToString() => $"{Op}(a {A}, b {B}, x {X}, bytes {Convert.ToHexString(Bytes)})";
    }

    private sealed record Case(Step[] Steps, Tail Tail, int Cut)
    {
        public override string ToString() => $"{Tail} after [{string.Join(", ", Steps.AsEnumerable())}] (cut {Cut})";
    }

    /// <summary>One answer the session owes: its kind and call id, and what it must hold.</summary>
    private sealed record Expect(FrameKind Kind, long CallId)
    {
        public byte[]? Result { get; init; }

        /// <summary>For a call to a method no loaded assembly has: the id the error must name.</summary>
        public ulong? UnknownMethod { get; init; }

        /// <summary>A cancel for this call came after it: it may have been stopped before it ran.</summary>
        public bool MayBeCanceled { get; init; }

        /// <summary>The call's arguments, kept while another answer is still possible.</summary>
        public byte[]? Arguments { get; init; }

        /// <summary>The answer instead if the call ran after a later frame loaded the test assembly.</summary>
        public Expect? IfLoaded { get; init; }
    }

    private sealed class Prediction
    {
        public List<Expect> Answers { get; } = [];

        /// <summary>A phrase of the protocol error that must end the session.</summary>
        public string? Fatal { get; set; }

        /// <summary>The session must end because the pool closed the channel without a shutdown.</summary>
        public bool PoolClosed { get; set; }

        public bool CloseAfterSending { get; set; } = true;

        /// <summary>Call ids that came twice; refusing one is a race the model does not decide.</summary>
        public HashSet<long> DuplicateIds { get; } = [];

        public bool Unsafe { get; set; }

        public int FramesRead { get; set; }
    }

    private sealed class Stats
    {
        public long Cases;
        public long Skipped;
        public long FramesSent;
        public long FramesRead;
        public long Graceful;

        public ConcurrentDictionary<string, int> Fatal { get; } = new();

        public ConcurrentDictionary<string, int> Answers { get; } = new(new Dictionary<string, int> { ["Result"] = 0, ["Error"] = 0, ["Pong"] = 0, ["Canceled"] = 0 });

        public override string ToString() =>
            $"{Cases} sessions ({Skipped} skipped), {FramesSent} frames sent, {FramesRead} read before the session ended; {Graceful} ended gracefully; " +
            $"answers: {string.Join(", ", Answers.OrderBy(a => a.Key).Select(a => $"{a.Key} {a.Value}"))}; " +
            $"ended by: {string.Join("; ", Fatal.OrderByDescending(f => f.Value).Select(f => $"{f.Key} ×{f.Value}"))}";
    }
}
