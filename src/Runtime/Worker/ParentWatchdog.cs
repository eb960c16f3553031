using System.Diagnostics;
using System.Runtime.InteropServices;
using Offload.Transport;

namespace Offload.Worker;

/// <summary>
/// Ends the worker when its parent goes away, however it goes (exit, crash, SIGKILL): the parent holds the only write
/// end of the worker's standard input, so the operating system closes it when the parent dies and a blocking read
/// here returns end-of-file. This needs no polling and no platform-specific parent-death signal.
/// </summary>
/// <remarks>
/// A parent that dies by a signal runs no exit handlers, so its pool directory would stay behind: a worker that ends
/// because its parent is gone removes it, and the pool's shared-memory directory, on the way out
/// (<see cref="RemoveOrphanedPoolDirectory"/>).
/// </remarks>
internal static partial class ParentWatchdog
{
    /// <summary>How long a worker that lost its channel waits to see its parent finish exiting.</summary>
    private static readonly TimeSpan ReparentWait = TimeSpan.FromMilliseconds(250);

    private static int parent;
    private static string? endpoint;
    private static string? sharedMemoryDirectory;
    private static volatile bool parentGone;

    /// <summary>
    /// True once standard input reached end-of-file while the worker was finishing its calls at the pool's request: the
    /// parent died meanwhile, and the worker takes its process group along as it exits (see <see cref="WorkerEntry"/>).
    /// </summary>
    public static bool ParentGone => parentGone;

    public static void Start(Stream standardInput, WorkerSession session, string poolEndpoint, string? poolSharedMemory = null)
    {
        parent = OperatingSystem.IsWindows() ? 0 : GetParentProcessId();
        endpoint = poolEndpoint;
        sharedMemoryDirectory = poolSharedMemory;
        var thread = new Thread(() => Watch(standardInput, session))
        {
            IsBackground = true,
            Name = "Offload parent watchdog",
        };
        thread.Start();
    }

    /// <summary>
    /// Removes the parent's pool directory if the parent is gone. The channel and standard input reach end-of-file
    /// as the parent's descriptors close, a moment before the kernel hands this process to a new parent: so wait a
    /// little for that. A parent that is alive (it closed the channel on purpose) is left its directory.
    /// </summary>
    internal static void RemoveOrphanedPoolDirectory()
    {
        if (parent == 0 || endpoint is null)
        {
            return;
        }

        var waited = Stopwatch.StartNew();
        while (GetParentProcessId() == parent)
        {
            if (waited.Elapsed > ReparentWait)
            {
                return;
            }

            Thread.Sleep(5);
        }

        PrivateDirectory.TryDeleteOrphaned(endpoint, parent);
        if (sharedMemoryDirectory is not null)
        {
            // The same rules, for the pool's shared-memory directory: only a directory named for that parent, directly
            // under the root shared memory is made in.
            PrivateDirectory.TryDeleteOrphaned(Path.Combine(sharedMemoryDirectory, "region"), parent, PrivateDirectory.SharedMemoryRoot);
        }
    }

    private static void Watch(Stream standardInput, WorkerSession session)
    {
        var buffer = new byte[64];
        try
        {
            while (standardInput.Read(buffer, 0, buffer.Length) > 0)
            {
                // The parent never writes again after the secret; anything else is ignored.
            }
        }
        catch (IOException)
        {
            // A broken pipe means the same as end-of-file.
        }

        if (!session.IsShuttingDownGracefully)
        {
            WorkerHost.ExitNow();
        }

        parentGone = true;
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}
