namespace Offload.Benchmarks;

/// <summary>
/// The methods the benchmark runs in worker processes. The generator adds <c>EchoAsync</c>, <c>EchoBytesAsync</c>,
/// <c>EchoFloatsAsync</c>, <c>EchoDoublesAsync</c> and <c>CollatzStepsAsync</c>; <see cref="CollatzSteps"/> is also
/// called directly for the in-process baseline.
/// </summary>
public static partial class Workloads
{
    /// <summary>The trivial call: one small argument there, one small result back, no work in between.</summary>
    [RunInWorkerProcess]
    public static int Echo(int value) => value;

    /// <summary>The payload call: a byte array there and the same bytes back.</summary>
    [RunInWorkerProcess]
    public static byte[] EchoBytes(byte[] data) => data;

    /// <summary>A large array of an unmanaged type there and back: the path for blittable arrays, not bytes.</summary>
    [RunInWorkerProcess]
    public static float[] EchoFloats(float[] data) => data;

    /// <summary>As <see cref="EchoFloats"/>, with doubles.</summary>
    [RunInWorkerProcess]
    public static double[] EchoDoubles(double[] data) => data;

    /// <summary>
    /// Pure, deterministic CPU work: the total number of Collatz steps of every number in
    /// [<paramref name="from"/>, <paramref name="to"/>). Integer-only, allocation-free, and its cost grows smoothly
    /// with the range, so a range can be sized to a target time.
    /// </summary>
    [RunInWorkerProcess]
    public static long CollatzSteps(long from, long to)
    {
        long steps = 0;
        for (var n = Math.Max(from, 1); n < to; n++)
        {
            for (var x = n; x != 1; steps++)
            {
                x = (x & 1) == 0 ? x >> 1 : (3 * x) + 1;
            }
        }

        return steps;
    }
}
