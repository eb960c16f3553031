using System.Buffers.Binary;
using System.Buffers;
using CsCheck;
using Offload.Protocol;
using Xunit.Abstractions;

namespace Offload.Runtime.Tests;

/// <summary>
/// Property tests of <see cref="FrameDecoder"/> over generated and mutated input (CsCheck; a failure prints the seed
/// that reproduces it, and <c>CsCheck_Seed</c> replays it). Whatever the bytes and however they are split into
/// segments or delivered, the decoder returns exactly the frames the reference model in <see cref="FuzzFrames"/>
/// finds, then either waits for the bytes the next frame needs or throws <see cref="OffloadProtocolException"/>, with
/// the model's reason, at the first bad header; it never throws anything else and never loops without progress.
/// </summary>
public sealed class FrameDecoderFuzzTests(ITestOutputHelper output)
{
    /// <summary>Small, so that generated lengths land on both sides of the limit.</summary>
    private const int Max = 1024;

    private const int MaxBody = Max - FrameHeader.Size;

    private static readonly Gen<byte[]> Body = Gen.Frequency(
        (12, Gen.Byte.Array[0, 40]),
        (1, Gen.Byte.Array[MaxBody - 3, MaxBody]));

    private static readonly Gen<FrameSpec> Frame = Gen.Select(FuzzFrames.AnyKind, Gen.Byte, Gen.Long, Body, (kind, flags, callId, body) => new FrameSpec(kind, flags, callId, body));

    /// <summary>Segment sizes, used in turn: empty segments, single bytes, header-sized pieces, whole frames.</summary>
    private static readonly Gen<int[]> Segments = Gen.Frequency(
        (1, Gen.Const(0)),
        (8, Gen.Int[1, 20]),
        (3, Gen.Int[21, 300]),
        (1, Gen.Int[301, 4000])).Array[1, 8];

    private static readonly Gen<uint> InterestingLength = Gen.Frequency(
        (4, Gen.OneOf<uint>(0, 1, 11, 12, 13, Max - 5, Max - 4, Max - 3, Max, Max + 1, int.MaxValue, 0x8000_0000, 0xFFFF_FFF4, uint.MaxValue)),
        (2, Gen.UInt[0, 64]),
        (1, Gen.UInt));

    private static readonly Gen<Mutation> AnyMutation = Gen.Select(
        Gen.Enum<MutationKind>(),
        Gen.Int[0, int.MaxValue],
        Gen.Frequency((1, InterestingLength), (1, Gen.UInt)),
        Gen.Byte.Array[1, 24],
        (kind, where, value, bytes) => new Mutation(kind, where, value, bytes));

    private enum MutationKind
    {
        FlipBit,
        SetByte,
        Truncate,
        SetLength,
        SetKind,
        SetReserved,
        Insert,
        Delete,
        Append,
    }

    [Fact]
    public void Random_bytes_decode_like_the_model_or_fail_with_a_protocol_error()
    {
        // Uniform bytes nearly always make an oversized length; half the cases get a plausible first header so
        // that random kinds, reserved fields and bodies are reached too.
        var gen = Gen.Select(Gen.Byte.Array[0, 300], Gen.Bool, Gen.UInt[0, 200], Gen.Int[0, 9], Segments, (bytes, plausible, length, reserved, segments) =>
        {
            if (plausible && bytes.Length >= 8)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, length);
                bytes[6] = bytes[7] = reserved == 0 ? bytes[7] : (byte)0;
            }

            return (bytes, segments);
        });

        var stats = new Stats();
        gen.Sample(c => Check(c.bytes, c.segments, stats), iter: 4000, writeLine: output.WriteLine, print: Print);

        stats.AssertCovered(output, 4000, minFrames: 100, minErrors: 1000);
    }

    [Fact]
    public void Valid_frame_sequences_round_trip_exactly_however_they_are_segmented()
    {
        var validKind = Gen.OneOf(FuzzFrames.KnownKinds);
        var valid = Gen.Select(validKind, Gen.Byte, Gen.Long, Body, (kind, flags, callId, body) => new FrameSpec(kind, flags, callId, body));
        var stats = new Stats();
        Gen.Select(valid.Array[0, 10], Segments).Sample(
            (frames, segments) =>
            {
                var bytes = frames.SelectMany(f => f.Encode()).ToArray();
                var decoded = Check(bytes, segments, stats);

                // Every frame comes back exactly, nothing is left over, and the decoder asks for the next header.
                Assert.Null(decoded.Error);
                Assert.Equal(bytes.Length, decoded.Consumed);
                Assert.Equal(FrameHeader.Size, decoded.Needed);
                Assert.Equal(frames.Length, decoded.Frames.Count);
                for (var i = 0; i < frames.Length; i++)
                {
                    Assert.Equal((frames[i].Kind, frames[i].Flags, frames[i].CallId), (decoded.Frames[i].Kind, decoded.Frames[i].Flags, decoded.Frames[i].CallId));
                    Assert.Equal(frames[i].Body, decoded.Frames[i].Body);
                }
            },
            iter: 3000,
            writeLine: output.WriteLine);

        stats.AssertCovered(output, 3000, minFrames: 3000, minErrors: 0);
    }

    [Fact]
    public void Mutated_frames_decode_like_the_model_or_fail_with_a_protocol_error()
    {
        var stats = new Stats();
        Gen.Select(Frame.Array[1, 6], AnyMutation.Array[1, 4], Segments).Sample(
            (frames, mutations, segments) =>
            {
                var offsets = new List<int>();
                var original = new List<byte>();
                foreach (var frame in frames)
                {
                    offsets.Add(original.Count);
                    original.AddRange(frame.Encode());
                }

                var bytes = original;
                foreach (var mutation in mutations)
                {
                    bytes = mutation.Apply(bytes, offsets);
                }

                Check(bytes.ToArray(), segments, stats);
            },
            iter: 5000,
            writeLine: output.WriteLine);

        stats.AssertCovered(output, 5000, minFrames: 1000, minErrors: 1000);
    }

    /// <summary>
    /// Decodes <paramref name="bytes"/> twice, all at once as segments and as a reader would, chunk by chunk, and checks
    /// both against the model.
    /// </summary>
    private static Decoded Check(byte[] bytes, int[] segments, Stats stats)
    {
        var model = FuzzFrames.Decode(bytes, Max);
        var whole = DecodeAll(FuzzFrames.Segmented(bytes, segments));
        AssertMatches(bytes, model, whole);
        var streamed = DecodeInChunks(bytes, segments);
        AssertMatches(bytes, model, streamed);
        stats.Count(whole);
        return whole;
    }

    private static void AssertMatches(byte[] bytes, FuzzFrames.ModelResult model, Decoded actual)
    {
        Assert.Equal(model.Frames.Count, actual.Frames.Count);
        for (var i = 0; i < model.Frames.Count; i++)
        {
            var (expected, frame) = (model.Frames[i], actual.Frames[i]);
            Assert.Equal((expected.Kind, expected.Flags, expected.CallId), (frame.Kind, frame.Flags, frame.CallId));
            Assert.Equal(expected.Body, frame.Body);
        }

        // The frames account for exactly the bytes consumed: the input's prefix, frame after frame.
        Assert.Equal(model.Consumed, actual.Consumed);
        Assert.Equal(actual.Consumed, actual.Frames.Sum(f => FrameHeader.Size + f.Body.Length));
        if (model.Error is { } reason)
        {
            Assert.NotNull(actual.Error);
            Assert.Contains(reason, actual.Error!.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(actual.Error);
            Assert.Equal(model.Needed, actual.Needed);
            Assert.True(actual.Needed > bytes.Length - actual.Consumed, "the decoder stopped although the next frame was complete");
        }
    }

    /// <summary>Loops <see cref="FrameDecoder.TryReadFrame"/> like the channel's read loop; anything but a protocol error escapes.</summary>
    private static Decoded DecodeAll(ReadOnlySequence<byte> input)
    {
        var frames = new List<DecodedFrame>();
        var buffer = input;
        int needed;
        try
        {
            while (FrameDecoder.TryReadFrame(ref buffer, Max, out var header, out var body, out needed))
            {
                frames.Add(new DecodedFrame((byte)header.Kind, header.Flags, header.CallId, body.ToArray()));
                Assert.True(frames.Count <= input.Length / FrameHeader.Size, "the decoder returned frames without consuming input");
            }

            Assert.Equal(input.Slice(input.Length - buffer.Length).ToArray(), buffer.ToArray());
            return new Decoded(frames, (int)(input.Length - buffer.Length), needed, null);
        }
        catch (OffloadProtocolException ex)
        {
            return new Decoded(frames, (int)(input.Length - buffer.Length), 0, ex);
        }
    }

    /// <summary>
    /// Delivers the bytes in chunks and, as the channel's read loop does, decodes what has arrived and is not consumed
    /// yet once it holds the bytes the decoder last asked for, or once the input has ended.
    /// </summary>
    private static Decoded DecodeInChunks(byte[] bytes, int[] chunks)
    {
        var frames = new List<DecodedFrame>();
        var consumed = 0;
        var available = 0;
        var needed = FrameHeader.Size;
        var i = 0;
        do
        {
            available = Math.Min(bytes.Length, available + Math.Max(1, chunks[i++ % chunks.Length]));
            if (available - consumed < needed && available < bytes.Length)
            {
                continue;
            }

            var step = DecodeAll(new ReadOnlySequence<byte>(bytes, consumed, available - consumed));
            frames.AddRange(step.Frames);
            consumed += step.Consumed;
            if (step.Error is not null)
            {
                return new Decoded(frames, consumed, 0, step.Error);
            }

            needed = step.Needed;
        }
        while (available < bytes.Length);

        return new Decoded(frames, consumed, needed, null);
    }

    private static string Print((byte[] Bytes, int[] Segments) c) =>
        $"bytes={Convert.ToHexString(c.Bytes)} segments=[{string.Join(",", c.Segments)}]";

    private sealed record FrameSpec(byte Kind, byte Flags, long CallId, byte[] Body)
    {
        public byte[] Encode() => FuzzFrames.Frame(Kind, CallId, Body, Flags);

        public override string ToString() => $"Frame(kind {Kind}, flags {Flags}, call {CallId}, {Body.Length} body bytes)";
    }

    private sealed record Mutation(MutationKind Kind, int Where, uint Value, byte[] Bytes)
    {
        public List<byte> Apply(List<byte> input, List<int> frameOffsets)
        {
            var bytes = new List<byte>(input);
            var header = frameOffsets[Where % frameOffsets.Count];
            switch (Kind)
            {
                case MutationKind.FlipBit when bytes.Count > 0:
                    bytes[Where % bytes.Count] ^= (byte)(1 << (int)(Value % 8));
                    break;
                case MutationKind.SetByte when bytes.Count > 0:
                    bytes[Where % bytes.Count] = (byte)Value;
                    break;
                case MutationKind.Truncate:
                    bytes.RemoveRange(Where % (bytes.Count + 1), bytes.Count - (Where % (bytes.Count + 1)));
                    break;
                case MutationKind.SetLength when header + 4 <= bytes.Count:
                    Span<byte> length = stackalloc byte[4];
                    BinaryPrimitives.WriteUInt32LittleEndian(length, Value);
                    for (var i = 0; i < 4; i++)
                    {
                        bytes[header + i] = length[i];
                    }

                    break;
                case MutationKind.SetKind when header + 4 < bytes.Count:
                    bytes[header + 4] = (byte)Value;
                    break;
                case MutationKind.SetReserved when header + 7 < bytes.Count:
                    bytes[header + 6 + (int)(Value % 2)] = (byte)(1 + (Value % 255));
                    break;
                case MutationKind.Insert:
                    bytes.InsertRange(Where % (bytes.Count + 1), Bytes);
                    break;
                case MutationKind.Delete when bytes.Count > 0:
                    var start = Where % bytes.Count;
                    bytes.RemoveRange(start, Math.Min(bytes.Count - start, 1 + (int)(Value % 32)));
                    break;
                case MutationKind.Append:
                    bytes.AddRange(Bytes);
                    break;
            }

            return bytes;
        }

        public override string ToString() => $"{Kind}(where {Where}, value {Value}, bytes {Convert.ToHexString(Bytes)})";
    }

    private sealed record DecodedFrame(byte Kind, byte Flags, long CallId, byte[] Body);

    private sealed record Decoded(List<DecodedFrame> Frames, int Consumed, int Needed, OffloadProtocolException? Error);

    /// <summary>Counts cases and outcomes, so that a generator that stopped reaching a branch fails the test.</summary>
    private sealed class Stats
    {
        private long _cases;
        private long _frames;
        private long _errors;
        private long _tooSmall;
        private long _tooLarge;
        private long _reserved;
        private long _partial;

        public void Count(Decoded decoded)
        {
            Interlocked.Increment(ref _cases);
            Interlocked.Add(ref _frames, decoded.Frames.Count);
            if (decoded.Error is { } error)
            {
                Interlocked.Increment(ref _errors);
                if (error.Message.Contains("smaller than", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _tooSmall);
                }
                else if (error.Message.Contains("exceeds", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _tooLarge);
                }
                else
                {
                    Interlocked.Increment(ref _reserved);
                }
            }
            else if (decoded.Needed > FrameHeader.Size)
            {
                Interlocked.Increment(ref _partial);
            }
        }

        public void AssertCovered(ITestOutputHelper output, long cases, long minFrames, long minErrors)
        {
            output.WriteLine($"{_cases} cases: {_frames} frames decoded; errors: {_tooSmall} too small, {_tooLarge} too large, {_reserved} reserved; {_partial} ended inside a frame");
            Assert.Equal(cases, _cases);
            Assert.True(_frames >= minFrames, $"only {_frames} frames decoded");
            Assert.True(_errors >= minErrors, $"only {_errors} protocol errors");
            if (minErrors > 0)
            {
                Assert.True(_tooSmall > 0 && _tooLarge > 0 && _reserved > 0 && _partial > 0, "a kind of malformed input was never generated");
            }
        }
    }
}
