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

    /// <summary>
    /// Counts the primes in [<paramref name="from"/>, <paramref name="to"/>) as <see cref="CountPrimes"/> does, and
    /// reports every <see cref="ReportEvery"/> numbers how many it has checked and how many primes it has found so far.
    /// </summary>
    /// <remarks>
    /// Through a pool the reports reach the caller's <see cref="IProgress{T}"/> in order, coalesced when they come faster
    /// than the caller takes them; called directly, they go straight to <paramref name="progress"/>.
    /// </remarks>
    [RunInWorkerProcess]
    public static long CountPrimesWithProgress(long from, long to, IProgress<(long Checked, long Found)> progress)
    {
        long count = 0;
        var start = Math.Max(from, 2);
        var nextReport = start + ReportEvery;
        for (var n = start; n < to; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }

            if (n == nextReport)
            {
                progress.Report((n - from + 1, count));
                nextReport += ReportEvery;
            }
        }

        progress.Report((Math.Max(to - from, 0), count));
        return count;
    }

    /// <summary>How many numbers <see cref="CountPrimesWithProgress"/> checks between two reports.</summary>
    public const long ReportEvery = 100_000;

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
