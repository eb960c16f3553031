using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Offload.Protocol;
using Offload.Worker;

namespace Offload.Runtime.Tests;

/// <summary>
/// Methods for <see cref="SharedMemoryTests"/>: large arguments and results that cross in shared memory, a worker that
/// dies holding the parent's region, and rogue workers that send shared-memory frames that break the protocol.
/// </summary>
public static partial class SharedMemoryWorkloads
{
    /// <summary>Bytes in, the same bytes out.</summary>
    [RunInWorkerProcess]
    public static byte[] EchoBytes(byte[] data) => data;

    /// <summary>Floats in, the same floats out.</summary>
    [RunInWorkerProcess]
    public static float[] EchoFloats(float[] data) => data;

    /// <summary>Doubles in, the same doubles out.</summary>
    [RunInWorkerProcess]
    public static double[] EchoDoubles(double[] data) => data;

    /// <summary>Ints in, the same ints out.</summary>
    [RunInWorkerProcess]
    public static int[] EchoInts(int[] data) => data;

    /// <summary>Waits until the file <paramref name="gate"/> exists, then answers <paramref name="data"/>.</summary>
    [RunInWorkerProcess]
    public static byte[] EchoWhenOpen(byte[] data, string gate)
    {
        while (!File.Exists(gate))
        {
            Thread.Sleep(5);
        }

        return data;
    }

    /// <summary>Every byte inverted: a map's item, whose result differs from its argument.</summary>
    [RunInWorkerProcess]
    public static byte[] Invert(byte[] data)
    {
        var result = new byte[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            result[i] = (byte)~data[i];
        }

        return result;
    }

    /// <summary><paramref name="length"/> bytes made from <paramref name="seed"/> (see <see cref="Pattern"/>): a large result from a small argument.</summary>
    [RunInWorkerProcess]
    public static byte[] Produce(int length, int seed) => Pattern(length, seed);

    /// <summary>Yields <paramref name="count"/> items of <paramref name="length"/> bytes, item <c>i</c> made from seed <c>i</c>.</summary>
    [RunInWorkerProcess]
    public static async IAsyncEnumerable<byte[]> ProduceMany(int count, int length, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return Pattern(length, i);
        }
    }

    /// <summary>
    /// Reads its argument (which lies in the parent's region, held by this worker), then kills its own process with
    /// SIGKILL: no code of the worker's runs afterwards, so only the parent can give the region back and delete the
    /// worker's files.
    /// </summary>
    [RunInWorkerProcess]
    public static int DieHolding(byte[] data)
    {
        var sum = data.Sum(b => b);
        Process.GetCurrentProcess().Kill();
        return sum;
    }

    /// <summary>
    /// Dies on its first attempt (the first to create <paramref name="marker"/>), so the pool sends the same call, its
    /// large argument included, to another worker; answers the argument's hash there.
    /// </summary>
    [RunInWorkerProcess(MaxRetries = 1)]
    public static long HashUnlessFirst(byte[] data, string marker)
    {
        try
        {
            using (File.Open(marker, FileMode.CreateNew))
            {
            }

            Environment.Exit(71);
        }
        catch (IOException)
        {
            // The marker exists: this is the retry.
        }

        return Hash(data);
    }

    /// <summary>The regions of this worker's that the parent holds now (results not yet released).</summary>
    [RunInWorkerProcess]
    public static int LentByWorker() => WorkerSession.Current!.Channel!.SharedMemory!.LentCount;

    /// <summary>
    /// Sends the parent a shared-memory frame that breaks the protocol, ahead of this call's answer: a descriptor of a
    /// region that does not exist, a descriptor longer than its (real) region, or a release of a region of the parent's
    /// this worker never held.
    /// </summary>
    [RunInWorkerProcess]
    public static int SendRogueSharedFrame(string attack)
    {
        var session = WorkerSession.Current!;
        var callId = session.RunningCallId!.Value;
        var descriptor = new byte[SharedFrameDescriptor.Size];
        switch (attack)
        {
            case "missing region":
                BinaryPrimitives.WriteInt32LittleEndian(descriptor, 4242);
                BinaryPrimitives.WriteInt32LittleEndian(descriptor.AsSpan(4), 1000);
                session.SendRaw(FuzzFrames.Frame(FrameKind.Shared, callId, descriptor));
                break;
            case "length over the region":
                // A real region of this worker's, made by its own arena, so only the length is wrong.
                var region = session.Channel!.SharedArena!.Rent(100_000)!;
                BinaryPrimitives.WriteInt32LittleEndian(descriptor, region.Index);
                BinaryPrimitives.WriteInt32LittleEndian(descriptor.AsSpan(4), region.Capacity + 1);
                session.SendRaw(FuzzFrames.Frame(FrameKind.Shared, callId, descriptor));
                break;
            default:
                session.SendRaw(FuzzFrames.Frame(FrameKind.SharedRelease, 777, []));
                break;
        }

        return Environment.ProcessId;
    }

    /// <summary>Deterministic bytes for a seed, different at every offset of a large array.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A 64-bit FNV-1a hash of the bytes.</summary>
    public static long Hash(byte[] data)
    {
        var hash = unchecked((long)14695981039346656037UL);
        foreach (var b in data)
        {
            hash = unchecked((hash ^ b) * 1099511628211L);
        }

        return hash;
    }
}
