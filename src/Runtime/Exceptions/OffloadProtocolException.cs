namespace Offload;

/// <summary>A frame on a worker channel was malformed, truncated or larger than the maximum frame size.</summary>
public sealed class OffloadProtocolException : OffloadException
{
    /// <summary>Creates the exception.</summary>
    public OffloadProtocolException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
