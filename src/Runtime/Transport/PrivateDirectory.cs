using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Offload.Transport;

/// <summary>
/// The pool's private directory, <c>offload-&lt;pid&gt;-&lt;12 hex&gt;</c> under <c>$XDG_RUNTIME_DIR</c> (else the temp
/// directory), mode 0700, holding the pool's socket. It is removed when the pool stops or the process exits; a process
/// that never got that far (SIGKILL, power loss) leaves its directory behind, and the next pool in any process of the
/// same user sweeps it: the process id in its name is gone and nothing answers on its socket.
/// </summary>
internal static partial class PrivateDirectory
{
    /// <summary>The socket's file name inside the directory.</summary>
    public const string SocketFileName = "pool.sock";

    /// <summary>Where pools make their directories: the user's runtime directory if there is one, else the temp directory.</summary>
    public static string Root =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtimeDir && Directory.Exists(runtimeDir)
            ? runtimeDir
            : Path.GetTempPath();

    /// <summary>
    /// Where pools make their shared-memory directories: <c>/dev/shm</c> (memory, never written back to a disk) where it
    /// exists, else <see cref="Root"/>.
    /// </summary>
    public static string SharedMemoryRoot => Directory.Exists("/dev/shm") ? "/dev/shm" : Root;

    /// <summary>Creates a fresh directory that only the current user can open, after sweeping stale ones.</summary>
    public static string Create() => Create(Root);

    /// <summary>As <see cref="Create()"/>, under <paramref name="root"/> (tests use a root of their own).</summary>
    internal static string Create(string root)
    {
        SweepStale(root);

        // The root is world-writable but the directory we create is ours alone (0700): sockets inside it can be reached
        // only by the current user, whatever their own mode says. A fresh random name per pool: never reused.
        var path = Path.Combine(root, $"offload-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>Removes a directory and what it holds; never throws (what is left is swept by a later start).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a later pool start sweeps it once this process is gone.
        }
    }

    /// <summary>
    /// Called by a worker whose parent died: removes the parent's pool directory (its socket) if
    /// <paramref name="socketPath"/> is in a pool directory of that parent, which had no chance to remove it (it was
    /// killed, or a signal ended it). Anything else is left alone: a worker's command line is not trusted to name a
    /// directory to delete, so the name must be <c>offload-&lt;parent pid&gt;-&lt;hex&gt;</c> directly under
    /// <see cref="Root"/>.
    /// </summary>
    public static void TryDeleteOrphaned(string socketPath, int parentProcessId) => TryDeleteOrphaned(socketPath, parentProcessId, Root);

    /// <summary>As <see cref="TryDeleteOrphaned(string, int)"/>, for pool directories under <paramref name="root"/>.</summary>
    internal static void TryDeleteOrphaned(string socketPath, int parentProcessId, string root)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(socketPath));
        if (directory is null ||
            !string.Equals(Path.GetDirectoryName(directory), Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)), StringComparison.Ordinal))
        {
            return;
        }

        var match = DirectoryName().Match(Path.GetFileName(directory));
        if (match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) && owner == parentProcessId)
        {
            TryDelete(directory);
        }
    }

    /// <summary>
    /// Deletes the pool directories of processes that are gone. A directory is stale only when its process id names no
    /// live process and its socket (if any) refuses a connection: the second test keeps a live pool whose process id
    /// we cannot see (another PID namespace sharing the directory) safe from us. Directories of other users cannot be
    /// opened or deleted, so they are left alone by the operating system's own rules.
    /// </summary>
    internal static int SweepStale(string root)
    {
        var swept = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(root, "offload-*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (var directory in candidates)
        {
            var match = DirectoryName().Match(Path.GetFileName(directory));
            if (!match.Success || !int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var processId))
            {
                continue;
            }

            if (processId == Environment.ProcessId || IsAlive(processId) || SocketAnswers(Path.Combine(directory, SocketFileName)))
            {
                continue;
            }

            TryDelete(directory);
            swept += Directory.Exists(directory) ? 0 : 1;
        }

        return swept;
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool SocketAnswers(string socketPath)
    {
        if (!File.Exists(socketPath))
        {
            return false;
        }

        try
        {
            // Non-blocking: a listener whose backlog is full would otherwise hold this (and the pool starting) up.
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain or SocketError.InProgress)
        {
            // Someone listens, but is busy: alive.
            return true;
        }
        catch (SocketException)
        {
            // Refused (nobody listens) or not ours to open: either way it is not a live pool of this user.
            return false;
        }
    }

    [GeneratedRegex("^offload-([0-9]{1,10})-[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex DirectoryName();
}
