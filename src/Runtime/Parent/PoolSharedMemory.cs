using Offload.Protocol;
using Offload.Transport;
using Offload.Transport.SharedMemory;

namespace Offload.Parent;

/// <summary>
/// The pool's shared memory for large frames: a fresh directory only this user can open (<c>/dev/shm</c> where it
/// exists, else beside the pool's socket), the parent's arena for arguments, and what each worker is told on its command
/// line. Removed, with every region in it, when the pool stops; a pool that was killed leaves it to be swept by the next
/// pool of the same user, and its workers remove it when they notice their parent is gone.
/// </summary>
internal sealed class PoolSharedMemory : IDisposable
{
    private PoolSharedMemory(SharedMemorySettings settings)
    {
        Settings = settings;
        Arena = new SharedMemoryArena(settings.Directory, SharedMemorySettings.ParentPrefix, settings.Threshold, settings.ParentLimit);
    }

    /// <summary>What workers are told.</summary>
    public SharedMemorySettings Settings { get; }

    /// <summary>The parent's regions: every call's arguments over the threshold, whichever worker it goes to.</summary>
    public SharedMemoryArena Arena { get; }

    /// <summary>Sets up shared memory for a pool; null when the options turn it off or no directory can be made.</summary>
    public static PoolSharedMemory? TryCreate(WorkerPoolOptions options)
    {
        if (!options.UseSharedMemory)
        {
            return null;
        }

        string directory;
        try
        {
            directory = PrivateDirectory.Create(PrivateDirectory.SharedMemoryRoot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Frames then use the socket, as they would on a system without shared memory.
            return null;
        }

        var half = options.SharedMemoryLimit / 2;
        return new PoolSharedMemory(new SharedMemorySettings(directory, options.SharedMemoryThreshold, half, half / options.WorkerCount));
    }

    /// <summary>The channel's view of shared memory for worker <paramref name="workerId"/>.</summary>
    public SharedMemoryLink LinkFor(int workerId) =>
        new(Arena, Settings.Directory, SharedMemorySettings.WorkerPrefix(workerId), Settings.WorkerLimit, deletePeerFiles: true);

    /// <summary>Unmaps the parent's regions and removes the directory with whatever workers left in it.</summary>
    public void Dispose()
    {
        Arena.Dispose();
        PrivateDirectory.TryDelete(Settings.Directory);
    }
}
