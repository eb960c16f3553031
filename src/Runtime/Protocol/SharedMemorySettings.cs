using System.Globalization;

namespace Offload.Protocol;

/// <summary>
/// How a pool's large frames travel through shared memory: the directory of its regions, the size above which a frame
/// goes there, and the most bytes of regions the parent and each worker create.
/// </summary>
/// <param name="Directory">The pool's shared-memory directory (mode 0700, fresh per pool).</param>
/// <param name="Threshold">Frames larger than this many bytes go through shared memory.</param>
/// <param name="ParentLimit">The most bytes of regions the parent creates (its arguments).</param>
/// <param name="WorkerLimit">The most bytes of regions each worker creates (its results).</param>
internal sealed record SharedMemorySettings(string Directory, int Threshold, long ParentLimit, long WorkerLimit)
{
    /// <summary>The file prefix of the parent's regions.</summary>
    public const string ParentPrefix = "p-";

    /// <summary>The file prefix of worker <paramref name="workerId"/>'s regions.</summary>
    public static string WorkerPrefix(int workerId) => "w" + workerId.ToString(CultureInfo.InvariantCulture) + "-";

    /// <summary>The settings as one command-line value: <c>threshold,parentLimit,workerLimit,directory</c>.</summary>
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Threshold},{ParentLimit},{WorkerLimit},{Directory}");

    /// <summary>Parses <see cref="Format"/>'s output; null for anything else.</summary>
    public static SharedMemorySettings? Parse(string value)
    {
        var parts = value.Split(',', 4);
        return parts.Length == 4
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var threshold)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parentLimit)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var workerLimit)
            && parts[3].Length > 0
                ? new SharedMemorySettings(parts[3], threshold, parentLimit, workerLimit)
                : null;
    }
}
