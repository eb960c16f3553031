using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Offload.Benchmarks;

/// <summary>
/// The echo of a large array of an unmanaged type (float[], double[]) through a worker, one call outstanding: MiB of
/// payload per second, checked like the byte[] echo (a warm-up call compared element by element at a few places, then
/// the length of every timed result).
/// </summary>
internal static class ArrayEcho
{
    /// <summary>Bytes of each array: 16 MiB, the size of the raw socket echo it is compared with.</summary>
    public const int PayloadBytes = 16 << 20;

    /// <summary>Echoes <paramref name="payload"/> once (checked), then <paramref name="repetitions"/> times timed; adds a row and returns MiB/s.</summary>
    public static async Task<double> MeasureAsync<T>(ResultTable table, string call, T[] payload, Func<T[], Task<T[]>> echo, int repetitions)
        where T : unmanaged, IEquatable<T>
    {
        var mib = (double)payload.Length * Unsafe.SizeOf<T>() / (1 << 20);
        Check(call, payload, await echo(payload));
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var r = 0; r < repetitions; r++)
        {
            var echoed = await echo(payload);
            if (echoed.Length != payload.Length)
            {
                throw new InvalidOperationException($"{call} returned {echoed.Length:N0} elements instead of {payload.Length:N0}.");
            }
        }

        var rate = mib * repetitions / clock.Elapsed.TotalSeconds;
        var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)repetitions / (mib * (1 << 20));
        table.Add("payload", $"{call} of {mib:0.#} MiB ({payload.Length:N0} elements), 1 outstanding, 1 worker", rate, "MiB/s", 0, $"{repetitions} calls after 1 warm-up (checked); MiB of payload per second of calls; parent allocated {allocated:F2}× the payload per call (the result array included)");
        return rate;
    }

    /// <summary>A 16 MiB array of <typeparamref name="T"/> filled by <paramref name="value"/>.</summary>
    public static T[] Create<T>(Func<T> value)
        where T : unmanaged
    {
        var array = new T[PayloadBytes / Unsafe.SizeOf<T>()];
        for (var i = 0; i < array.Length; i++)
        {
            array[i] = value();
        }

        return array;
    }

    private static void Check<T>(string call, T[] sent, T[] echoed)
        where T : unmanaged, IEquatable<T>
    {
        if (echoed.Length != sent.Length)
        {
            throw new InvalidOperationException($"{call} returned {echoed.Length:N0} elements instead of {sent.Length:N0}.");
        }

        // The ends, the middle and a few places between: a shifted, truncated or zeroed copy differs at one of them.
        foreach (var i in new[] { 0, 1, sent.Length / 3, sent.Length / 2, sent.Length - 2, sent.Length - 1 })
        {
            if (!echoed[i].Equals(sent[i]))
            {
                throw new InvalidOperationException($"{call} returned {echoed[i]} at index {i:N0} instead of {sent[i]}.");
            }
        }
    }
}
