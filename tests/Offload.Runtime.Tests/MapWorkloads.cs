namespace Offload.Runtime.Tests;

/// <summary>Methods the map tests run over many items.</summary>
public static partial class MapWorkloads
{
    /// <summary>
    /// The length of a ring of nodes: follows it until it comes back to <paramref name="node"/> (at most 100 steps).
    /// The closing link is a back-reference on the wire, which only reads right with the writer's reference numbering.
    /// </summary>
    [RunInWorkerProcess]
    public static int RingLength(Node node)
    {
        var length = 1;
        for (var current = node.Next; current is not null && !ReferenceEquals(current, node) && length < 100; current = current.Next)
        {
            length++;
        }

        return length;
    }

    /// <summary>A trivial item: what measures the map's own cost per item.</summary>
    [RunInWorkerProcess]
    public static int Square(int x) => x * x;

    /// <summary>A large argument and a small result.</summary>
    [RunInWorkerProcess]
    public static int Length(string text) => text.Length;

    /// <summary>Several arguments: a starmap.</summary>
    [RunInWorkerProcess]
    public static long Multiply(long left, int right, string label) => (left * right) + label.Length;

    /// <summary>Throws for one item.</summary>
    [RunInWorkerProcess]
    public static int FailAt(int x, int failAt) => x == failAt ? throw new InvalidOperationException($"item {x} is bad") : x;

    /// <summary>Asynchronous, and yields for some items.</summary>
    [RunInWorkerProcess]
    public static async Task<string> DescribeAsync(int x)
    {
        if (x % 100 == 0)
        {
            await Task.Yield();
        }

        return "#" + x.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Takes a while per item and watches the chunk's token.</summary>
    [RunInWorkerProcess]
    public static int Slow(int x, int milliseconds, CancellationToken cancellationToken)
    {
        cancellationToken.WaitHandle.WaitOne(milliseconds);
        cancellationToken.ThrowIfCancellationRequested();
        return x;
    }

    /// <summary>No result: leaves a file named after the item in <paramref name="directory"/>.</summary>
    [RunInWorkerProcess]
    public static void Touch(string directory, int x) =>
        File.WriteAllText(Path.Combine(directory, x.ToString(System.Globalization.CultureInfo.InvariantCulture)), "");

    /// <summary>No result, asynchronous: throws for one item.</summary>
    [RunInWorkerProcess]
    public static async ValueTask CheckAsync(int x, int failAt)
    {
        await Task.Yield();
        if (x == failAt)
        {
            throw new ArgumentException($"item {x} failed the check");
        }
    }

    /// <summary>Kills its worker at one item.</summary>
    [RunInWorkerProcess]
    public static int DieAt(int x, int dieAt)
    {
        if (x == dieAt)
        {
            Environment.Exit(41);
        }

        return x;
    }

    /// <summary>Kills its worker at one item the first time only (a marker file remembers); retried.</summary>
    [RunInWorkerProcess(MaxRetries = 2)]
    public static int DieOnceAt(int x, int dieAt, string marker)
    {
        if (x == dieAt && !File.Exists(marker))
        {
            File.WriteAllText(marker, "died");
            Environment.Exit(42);
        }

        return x;
    }
}

/// <summary>A node of a ring, serialized with references kept (the ring closes on itself).</summary>
[MemoryPack.MemoryPackable(MemoryPack.GenerateType.CircularReference)]
public sealed partial class Node
{
    /// <summary>The next node, or null at the end.</summary>
    [MemoryPack.MemoryPackOrder(0)]
    public Node? Next { get; set; }
}
