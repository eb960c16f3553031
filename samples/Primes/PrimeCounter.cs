using Offload;

namespace Offload.Samples.Primes;

/// <summary>CPU-heavy work, marked to run in worker processes.</summary>
public static partial class PrimeCounter
{
    /// <summary>Counts the primes in [<paramref name="from"/>, <paramref name="to"/>) by trial division.</summary>
    [RunInWorkerProcess]
    public static long CountPrimes(long from, long to)
    {
        long count = 0;
        for (var n = Math.Max(from, 2); n < to; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsPrime(long n)
    {
        if (n < 4)
        {
            return n >= 2;
        }

        if (n % 2 == 0)
        {
            return false;
        }

        for (long d = 3; d * d <= n; d += 2)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }
}
