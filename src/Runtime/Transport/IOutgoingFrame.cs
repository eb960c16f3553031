namespace Offload.Transport;

/// <summary>
/// A frame whose owner writes it when the channel gets to it, rather than handing the channel bytes up front: a call,
/// which keeps its encoded frame so that it can be sent again to another worker, and may be canceled while it waits.
/// </summary>
internal interface IOutgoingFrame
{
    /// <summary>
    /// Appends the whole frame to <paramref name="destination"/>; false, appending nothing, when it no longer needs
    /// sending. Called on the channel's writer, outside the channel's locks.
    /// </summary>
    bool TryWriteTo(ref FrameWriter destination);

    /// <summary>The batch holding the frame was handed to the socket in full.</summary>
    void OnWritten();
}
