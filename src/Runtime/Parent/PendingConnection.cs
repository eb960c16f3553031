using System.Net.Sockets;

namespace Offload.Parent;

/// <summary>A connection to the pool's socket that has not presented its hello yet, with its deadline.</summary>
internal sealed class PendingConnection(Socket socket, TimeSpan helloTimeout)
{
    private string? _dropReason;

    public Socket Socket { get; } = socket;

    /// <summary>Fires when the hello is late; disposed by whoever read the hello (or gave up on it).</summary>
    public CancellationTokenSource Deadline { get; } = new(helloTimeout);

    /// <summary>Its place among the waiting connections (the endpoint's lock guards it).</summary>
    public LinkedListNode<PendingConnection>? Node { get; set; }

    /// <summary>Why it was dropped before its hello was read, if it was.</summary>
    public string? DropReason => Volatile.Read(ref _dropReason);

    /// <summary>
    /// Closes the connection now, whatever its hello read is doing: the descriptor goes at once, not at the deadline.
    /// The reason is set first, so that the read that fails because of it knows it was dropped.
    /// </summary>
    public void Drop(string reason)
    {
        Volatile.Write(ref _dropReason, reason);
        Socket.Dispose();
    }
}
