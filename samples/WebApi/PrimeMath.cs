using Offload;

namespace Offload.Samples.WebApi;

/// <summary>CPU-heavy work for the endpoints, run in the hosted pool's worker processes.</summary>
public static partial class PrimeMath
{
    /// <summary>
    /// Counts the primes in [<paramref name="from"/>, <paramref name="to"/>) by trial division, and says which process
    /// counted them (a worker's, when called through a companion).
    /// </summary>
    [RunInWorkerProcess]
    public static (long Count, int ProcessId) CountPrimes(long from, long to)
    {
        long count = 0;
        for (var n = Math.Max(from, 2); n < to; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }
        }

        return (count, Environment.ProcessId);
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
