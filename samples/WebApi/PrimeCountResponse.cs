namespace Offload.Samples.WebApi;

/// <summary>What the prime endpoints answer.</summary>
/// <param name="From">The range's start (inclusive).</param>
/// <param name="To">The range's end (exclusive).</param>
/// <param name="Primes">Primes in the range.</param>
/// <param name="Segments">Calls the range was split into.</param>
/// <param name="WorkerProcessIds">The processes that counted them: workers, never the web server.</param>
public sealed record PrimeCountResponse(long From, long To, long Primes, int Segments, int[] WorkerProcessIds);
