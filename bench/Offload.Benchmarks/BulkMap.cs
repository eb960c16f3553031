using System.Diagnostics;

namespace Offload.Benchmarks;

/// <summary>
/// Goal 3: N trivial items through the generated map companion of <see cref="Workloads.Echo"/>,
/// <c>Workloads.EchoMapAsync(source, options, pool, ct)</c> (results in input order), against Python's
/// <c>starmap(chunksize=1000)</c>. Chunk sizes are left to the map (default <see cref="MapOptions"/>).
/// </summary>
internal static class BulkMap
{
    public static async Task MeasureAsync(BenchmarkSettings settings, ResultTable table, Findings findings, Func<WorkerPool, WorkerPool> track)
    {
        var items = settings.MapItems;
        await using var pool = track(new WorkerPool(new WorkerPoolOptions { WorkerCount = Environment.ProcessorCount }));
        await pool.StartAsync();
        await foreach (var _ in Workloads.EchoMapAsync(Enumerable.Range(0, Math.Min(items, 10_000)), pool: pool))
        {
            // Warm-up.
        }

        var cpu = new CpuMeter();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        cpu.Start();
        var clock = Stopwatch.StartNew();
        var expected = 0;
        await foreach (var result in Workloads.EchoMapAsync(Enumerable.Range(0, items), pool: pool))
        {
            if (result != expected++)
            {
                throw new InvalidOperationException($"EchoMapAsync: expected {expected - 1} at that position, got {result}.");
            }
        }

        var elapsed = clock.Elapsed;
        cpu.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        if (expected != items)
        {
            throw new InvalidOperationException($"EchoMapAsync returned {expected} of {items} results.");
        }

        findings.MapRate = items / elapsed.TotalSeconds;
        table.Add("bulk", $"Map {items:N0} Echo(int) items (EchoMapAsync, default MapOptions), {Environment.ProcessorCount} workers", findings.MapRate.Value, "items/s", 0, $"{elapsed.TotalMilliseconds:F0} ms; results checked in input order; parent {cpu.Describe(items)}, {(double)allocated / items:F0} B/item");
    }
}
