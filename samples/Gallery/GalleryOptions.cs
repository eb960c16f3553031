using System.Globalization;

namespace Offload.Samples.Gallery;

/// <summary>The command line: <c>[--count N] [--workers N] [--quick] [--plain]</c>.</summary>
/// <param name="Count">Images in the batch.</param>
/// <param name="Workers">Worker processes in the pool.</param>
/// <param name="Quick">Small images, few of them, a small big image: a run of seconds (CI runs it).</param>
/// <param name="Plain">Lines instead of the live display, as when output is redirected.</param>
public sealed record GalleryOptions(int Count, int Workers, bool Quick, bool Plain)
{
    /// <summary>What the sample accepts, for error messages.</summary>
    public const string Usage = "usage: Gallery [--count N] [--workers N] [--quick] [--plain]";

    /// <summary>Reads the command line.</summary>
    /// <exception cref="ArgumentException">An unknown option, or a count that is not a positive number.</exception>
    public static GalleryOptions Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        int? count = null;
        int? workers = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick" or "--plain":
                    break;
                case "--count":
                    count = Number(args, ++i, "--count");
                    break;
                case "--workers":
                    workers = Number(args, ++i, "--workers");
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }

        return new GalleryOptions(count ?? (quick ? 12 : 32), workers ?? Environment.ProcessorCount, quick, args.Contains("--plain"));
    }

    private static int Number(string[] args, int index, string option) =>
        index < args.Length && int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} needs a positive whole number.");
}
