using System.IO.Hashing;
using System.Text;
using MemoryPack;
using Offload;

namespace ConsoleApp;

/// <summary>A user type that crosses the process boundary.</summary>
[MemoryPackable]
public partial class Shape
{
    public string Name { get; set; } = "";

    public Size Size { get; set; }
}

/// <summary>An unmanaged struct.</summary>
public readonly record struct Size(int Width, int Height);

/// <summary>The app's worker methods.</summary>
public static partial class Work
{
    [RunInWorkerProcess]
    public static uint Crc32Of(string text) => Crc32.HashToUInt32(Encoding.UTF8.GetBytes(text));

    [RunInWorkerProcess]
    public static List<Shape> Grow(Shape[] shapes, int factor, int? unused) =>
        shapes.Select(s => new Shape { Name = s.Name + "*" + factor, Size = new Size(s.Size.Width * factor, s.Size.Height * factor) }).ToList();

    [RunInWorkerProcess]
    public static Dictionary<string, int> Group(Dictionary<string, List<Shape>> groups) =>
        groups.ToDictionary(g => g.Key, g => g.Value.Count);

    [RunInWorkerProcess]
    public static long Square(long x) => x * x;

    [RunInWorkerProcess]
    public static void Fail(string message) => throw new ArgumentException(message);

    [RunInWorkerProcess]
    public static void Crash() => Environment.FailFast("crashing on purpose");

    /// <summary>The executable this process runs as, and its process id.</summary>
    [RunInWorkerProcess]
    public static string[] WhoAmI() => [Environment.ProcessPath ?? "", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
