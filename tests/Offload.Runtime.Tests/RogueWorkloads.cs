using System.Reflection;
using Offload.CompilerServices;
using Offload.Transport;
using Offload.Worker;

namespace Offload.Runtime.Tests;

/// <summary>
/// Methods for the protocol fuzz tests: harmless targets that the in-process <see cref="WorkerSession"/> fuzzing may call
/// with any arguments, and rogue methods that, running in a worker, send the parent bytes that break the protocol.
/// </summary>
public static partial class RogueWorkloads
{
    /// <summary>A target with a fixed-size encoding: two longs in, their sum out.</summary>
    [RunInWorkerProcess]
    public static long FuzzSum(long a, long b) => unchecked(a + b);

    /// <summary>A target with a length-prefixed encoding: bytes in, the same bytes out.</summary>
    [RunInWorkerProcess]
    public static byte[]? FuzzEcho(byte[]? data) => data;

    /// <summary>
    /// Sends <paramref name="bytes"/> to the parent as they are, ahead of this call's own answer. With
    /// <paramref name="endStream"/>, the worker's side of the channel is closed right after them, so a partial frame
    /// is followed by nothing at all (not even the answer).
    /// </summary>
    [RunInWorkerProcess]
    public static int SendRaw(byte[] bytes, bool endStream)
    {
        var session = Session();
        session.SendRaw(bytes);
        if (endStream)
        {
            Channel(session).CompleteWrites();
        }

        return Environment.ProcessId;
    }

    /// <summary>Sends <paramref name="bytes"/> (a partial frame), then stays alive and silent: only a timeout ends the call.</summary>
    [RunInWorkerProcess]
    public static int SendRawAndStall(byte[] bytes)
    {
        Session().SendRaw(bytes);
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>
    /// Answers this very call with a frame of <paramref name="kind"/> and <paramref name="body"/>, then returns, which
    /// answers it a second time.
    /// </summary>
    [RunInWorkerProcess]
    public static Shape AnswerOwnCall(byte kind, byte[] body)
    {
        var session = Session();
        session.SendRaw(FuzzFrames.Frame(kind, CurrentCallId(session), body));
        return new Shape { Name = "second answer" };
    }

    /// <summary>The generated descriptor of one of this class's methods, by name (in the hidden plumbing class the generator nests here).</summary>
    internal static MethodDescriptor Descriptor(string methodName) =>
        typeof(__Offload).GetFields(BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(MethodDescriptor) && f.Name.StartsWith("Method_", StringComparison.Ordinal))
            .Select(f => (MethodDescriptor)f.GetValue(null)!)
            .Single(d => d.DisplayName.StartsWith($"{nameof(RogueWorkloads)}.{methodName}(", StringComparison.Ordinal));

    private static WorkerSession Session() =>
        WorkerSession.Current ?? throw new InvalidOperationException("Not running in a worker process.");

    private static FrameChannel Channel(WorkerSession session) => session.Channel!;

    /// <summary>The id of the call running now.</summary>
    private static long CurrentCallId(WorkerSession session) => session.RunningCallId!.Value;
}
