namespace Offload;

/// <summary>MemoryPack could not write or read a call's arguments or result.</summary>
public sealed class OffloadSerializationException : OffloadException
{
    /// <summary>Creates the exception.</summary>
    public OffloadSerializationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
