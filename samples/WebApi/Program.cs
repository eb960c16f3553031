using Offload;
using Offload.Samples.WebApi;

// A minimal API that offloads CPU-heavy requests to the hosted worker pool:
//   GET /primes?from=0&to=2000000          the range split over the pool's workers (the injected IWorkerPool)
//   GET /primes/shared?from=0&to=2000000   one call through the companion without a pool (WorkerPool.Shared = the host's pool)
//   GET /health                            the pool's health check
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddOffload("Offload");
builder.Services.AddHealthChecks().AddOffload();
var app = builder.Build();

app.MapGet("/primes", async (long? from, long? to, IWorkerPool pool, CancellationToken cancellationToken) =>
{
    if (Check(from ?? 0, to) is { } problem)
    {
        return problem;
    }

    // Segments of equal width: later ones hold bigger numbers and take longer, which the pool evens out.
    var (start, end) = (from ?? 0, to!.Value);
    var segments = Math.Max(1, (int)Math.Min((end - start) / 10_000, Environment.ProcessorCount * 4L));
    var counts = await Task.WhenAll(Enumerable.Range(0, segments).Select(i => PrimeMath.CountPrimesAsync(
        pool, start + ((end - start) * i / segments), start + ((end - start) * (i + 1) / segments), cancellationToken)));
    return Results.Ok(new PrimeCountResponse(
        start, end, counts.Sum(c => c.Count), segments, [.. counts.Select(c => c.ProcessId).Distinct().Order()]));
});

app.MapGet("/primes/shared", async (long? from, long? to, CancellationToken cancellationToken) =>
{
    if (Check(from ?? 0, to) is { } problem)
    {
        return problem;
    }

    // No pool passed: the companion uses WorkerPool.Shared, which is the host's pool while the host runs.
    var (count, processId) = await PrimeMath.CountPrimesAsync(from ?? 0, to!.Value, cancellationToken);
    return Results.Ok(new PrimeCountResponse(from ?? 0, to.Value, count, 1, [processId]));
});

app.MapHealthChecks("/health");
app.Run();

// A range the server will count: bad input gets a 400 that says why, not a request that runs for hours.
static IResult? Check(long from, long? to) => (from, to) switch
{
    (_, null) => Results.Problem("Say where the range ends: ?to=N.", statusCode: StatusCodes.Status400BadRequest),
    ( < 0, _) => Results.Problem($"from ({from}) cannot be negative.", statusCode: StatusCodes.Status400BadRequest),
    (_, { } end) when end < from => Results.Problem($"to ({end}) is below from ({from}).", statusCode: StatusCodes.Status400BadRequest),
    (_, { } end) when end - from > 100_000_000 => Results.Problem(
        $"The range [{from}, {end}) is over 100,000,000 numbers; ask for less.", statusCode: StatusCodes.Status400BadRequest),
    _ => null,
};
