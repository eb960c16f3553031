namespace Offload;

/// <summary>
/// A call's arguments or result do not fit in one frame (<see cref="WorkerPoolOptions.MaxFrameBytes"/>).
/// Thrown at the caller before anything is sent, or for a result, in place of the result.
/// </summary>
public sealed class PayloadTooLargeException : OffloadException
{
    /// <summary>Creates the exception.</summary>
    public PayloadTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>The size the payload needed, in bytes.</summary>
    public long PayloadBytes { get; init; }

    /// <summary>The maximum frame size in force.</summary>
    public int MaxFrameBytes { get; init; }
}
