using System.Diagnostics;
using ConsoleApp;
using Offload;

// Exercises what a real app needs from its workers and prints one line per check; exits 0 only if every check passed.
var failures = 0;
async Task Check(string name, Func<Task<string?>> check)
{
    string? problem;
    try
    {
        problem = await check();
    }
    catch (Exception ex)
    {
        problem = ex.ToString();
    }

    Console.WriteLine(problem is null ? $"ok   {name}" : $"FAIL {name}: {problem}");
    failures += problem is null ? 0 : 1;
}

var clock = Stopwatch.StartNew();
await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2 });
await pool.StartAsync();
Console.WriteLine($"pool of 2 ready in {clock.ElapsedMilliseconds} ms");

await Check("a NuGet package in worker code", async () =>
{
    var expected = Work.Crc32Of("offload");
    var actual = await Work.Crc32OfAsync(pool, "offload");
    return actual == expected ? null : $"crc {actual}, expected {expected}";
});

await Check("user types, collections and nullables", async () =>
{
    var shapes = await Work.GrowAsync(pool, [new Shape { Name = "a", Size = new Size(1, 2) }], 3, null);
    var grouped = await Work.GroupAsync(pool, new Dictionary<string, List<Shape>> { ["k"] = [new Shape { Name = "b" }] });
    return shapes is [{ Name: "a*3", Size: { Width: 3, Height: 6 } }] && grouped["k"] == 1 ? null : "wrong results";
});

await Check("a map", async () =>
{
    var squares = new List<long>();
    await foreach (var square in Work.SquareMapAsync(Enumerable.Range(0, 1_000).Select(i => (long)i), pool: pool))
    {
        squares.Add(square);
    }

    return squares.SequenceEqual(Enumerable.Range(0, 1_000).Select(i => (long)i * i)) ? null : "wrong squares";
});

await Check("an exception thrown in the worker", async () =>
{
    try
    {
        await Work.FailAsync(pool, "bad input");
        return "no exception";
    }
    catch (ArgumentException ex)
    {
        // Rebuilt with its own type, with no reflection, in every way the app is published (NativeAOT and trimmed too).
        return ex.GetType() == typeof(ArgumentException) && ex.Message.StartsWith("bad input", StringComparison.Ordinal)
            && ex.Data[RemoteExceptionData.Method] is string method && method.Contains("Fail", StringComparison.Ordinal)
            && ex.StackTrace?.Contains("Fail(", StringComparison.Ordinal) == true ? null : ex.ToString();
    }
});

await Check("a worker that crashes", async () =>
{
    try
    {
        await Work.CrashAsync(pool);
        return "no exception";
    }
    catch (WorkerCrashedException ex)
    {
        // The pool replaces the worker: the next call works.
        return await Work.Crc32OfAsync(pool, "x") == Work.Crc32Of("x") ? null : "the pool did not recover: " + ex.Message;
    }
});

await Check("the worker is this app, not a host of its own", async () =>
{
    var worker = await Work.WhoAmIAsync(pool);
    var me = Work.WhoAmI();
    return worker[0] == me[0] && worker[1] != me[1] ? null : $"worker runs {worker[0]} (pid {worker[1]}), app is {me[0]} (pid {me[1]})";
});

Console.WriteLine(failures == 0 ? "all checks passed" : $"{failures} check(s) failed");
return failures == 0 ? 0 : 1;
