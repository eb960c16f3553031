using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Offload.Transport.SharedMemory;

/// <summary>
/// A file of a fixed size in the pool's shared-memory directory, mapped into this process: the bytes of one large frame
/// at a time, written by the process that created it and read by its peer, who maps the same file. A region is never
/// resized (a peer's mapping stays valid for as long as it keeps it) and never outlives its pool's directory.
/// </summary>
/// <remarks>
/// The owner counts its uses: one for the frame being written into it, one for every peer it was sent to and that has
/// not said it is done (see <see cref="SharedMemoryArena"/>); at zero it goes back to the arena for the next large frame.
/// </remarks>
internal sealed unsafe class SharedRegion : MemoryManager<byte>
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly SharedMemoryArena? _arena;
    private byte* _pointer;
    private int _uses;

    private SharedRegion(int index, int capacity, MemoryMappedFile file, MemoryMappedViewAccessor view, SharedMemoryArena? arena)
    {
        Index = index;
        Capacity = capacity;
        _file = file;
        _view = view;
        _arena = arena;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _pointer = pointer + view.PointerOffset;
    }

    /// <summary>The region's number among its owner's regions; its file is the owner's prefix and this number.</summary>
    public int Index { get; }

    /// <summary>The arena that made the region (the owner's side); null for a peer's region mapped here.</summary>
    public SharedMemoryArena? Arena => _arena;

    /// <summary>Uses not yet ended.</summary>
    public int Uses => Volatile.Read(ref _uses);

    /// <summary>The region's size in bytes.</summary>
    public int Capacity { get; }

    /// <summary>The region's bytes.</summary>
    public Span<byte> Span => new(_pointer, Capacity);

    /// <summary>
    /// Creates the file (mode 0600: only this user; the directory is 0700 as well) at <paramref name="capacity"/> bytes
    /// and maps it. The file is sparse: memory is used only where bytes are written.
    /// </summary>
    public static SharedRegion Create(string path, int index, int capacity, SharedMemoryArena arena)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.SetLength(capacity);
        return Map(stream, index, capacity, arena, MemoryMappedFileAccess.ReadWrite);
    }

    /// <summary>Maps a peer's region, whole; its size is the file's.</summary>
    /// <exception cref="IOException">The file is missing, unreadable or too large for a region.</exception>
    public static SharedRegion Open(string path, int index)
    {
        // Read-only: a peer never writes into a region it did not create, and a bug that tried would fault here rather
        // than corrupt the owner's next frame.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length <= 0 || stream.Length > Array.MaxLength)
        {
            throw new IOException($"Shared-memory region '{Path.GetFileName(path)}' has an invalid size ({stream.Length} bytes).");
        }

        return Map(stream, index, (int)stream.Length, arena: null, MemoryMappedFileAccess.Read);
    }

    /// <summary>The arena hands the region out: its one use is the frame about to be written into it.</summary>
    internal void Rent() => Volatile.Write(ref _uses, 1);

    /// <summary>Takes one more use of the region (a peer it is being sent to).</summary>
    public void AddUse() => Interlocked.Increment(ref _uses);

    /// <summary>Ends one use; the last one gives the region back to its arena.</summary>
    public void EndUse()
    {
        var left = Interlocked.Decrement(ref _uses);
        if (left == 0)
        {
            _arena?.Return(this);
        }
        else if (left < 0)
        {
            // A peer released a region twice (or one it was never sent): keep the count sane, the region is free.
            Interlocked.Exchange(ref _uses, 0);
        }
    }

    /// <summary>Unmaps the region (its file stays until its owner deletes it).</summary>
    public void Unmap() => ((IDisposable)this).Dispose();

    /// <inheritdoc />
    public override Span<byte> GetSpan() => Span;

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        // Mapped memory never moves: nothing to pin.
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, Capacity);
        return new MemoryHandle(_pointer + elementIndex);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_pointer == null)
        {
            return;
        }

        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private static SharedRegion Map(FileStream stream, int index, int capacity, SharedMemoryArena? arena, MemoryMappedFileAccess access)
    {
        // The mapping outlives the file handle, which the caller closes.
        var file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity, access, HandleInheritability.None, leaveOpen: true);
        try
        {
            var view = file.CreateViewAccessor(0, capacity, access);
            return new SharedRegion(index, capacity, file, view, arena);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
