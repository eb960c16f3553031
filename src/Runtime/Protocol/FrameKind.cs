namespace Offload.Protocol;

/// <summary>
/// The kind of a frame on a worker channel. Values are part of the wire protocol: never renumber, only add.
/// </summary>
/// <remarks>
/// Kinds below 64 flow either way or from parent to worker; kinds from 64 flow from worker to parent. Features add frame
/// kinds, not a new protocol.
/// </remarks>
internal enum FrameKind : byte
{
    /// <summary>Worker → parent, first frame: protocol version, worker id, process id and the pool's secret.</summary>
    Hello = 1,

    /// <summary>Parent → worker: load an assembly that holds generated dispatchers before calls that need it.</summary>
    LoadAssembly = 2,

    /// <summary>Parent → worker: run a method. Body: method id (8 bytes) then the MemoryPack-encoded arguments.</summary>
    Call = 3,

    /// <summary>Parent → worker: cancel the call with the frame's call id.</summary>
    Cancel = 4,

    /// <summary>Parent → worker: finish what was sent, then exit.</summary>
    Shutdown = 5,

    /// <summary>Either way: liveness probe; answered by <see cref="Pong"/>.</summary>
    Ping = 6,

    /// <summary>Either way: answer to <see cref="Ping"/>.</summary>
    Pong = 7,

    /// <summary>
    /// Parent → worker: the caller took more items of the streamed call with the frame's call id; body: how many
    /// (u32). The worker sends at most a window of items beyond what the caller took (<see cref="StreamItem"/>).
    /// </summary>
    Credit = 8,

    /// <summary>
    /// Either way: a large frame that lies in a shared-memory region of the sender's (see
    /// <see cref="SharedFrameDescriptor"/>); body: the region's index (i32) and the frame's length (i32). The region
    /// holds the whole frame, header included. The receiver answers with <see cref="SharedRelease"/> once it is done
    /// with the region.
    /// </summary>
    Shared = 9,

    /// <summary>Either way: the receiver of a <see cref="Shared"/> frame is done with the region whose index is the call id.</summary>
    SharedRelease = 10,

    /// <summary>Worker → parent: the call finished; body is the MemoryPack-encoded result (empty for no result).</summary>
    Result = 64,

    /// <summary>Worker → parent: the call threw; body is a MemoryPack-encoded <see cref="RemoteError"/>.</summary>
    Error = 65,

    /// <summary>Worker → parent: the call observed its cancellation and stopped.</summary>
    Canceled = 66,

    /// <summary>Worker → parent: a progress report of the running call; body: the MemoryPack-encoded report.</summary>
    Progress = 67,

    /// <summary>Worker → parent: one item of the running call's streamed result; body: the MemoryPack-encoded item.</summary>
    StreamItem = 68,

    /// <summary>Worker → parent: the streamed result ended; the call's answer, like <see cref="Result"/> (empty body).</summary>
    StreamEnd = 69,

    /// <summary>
    /// Worker → parent: what worker code logged; body: a MemoryPack-encoded <see cref="LogRecord"/>. The call id is
    /// the call that was running (0 if none).
    /// </summary>
    Log = 70,

    /// <summary>
    /// Worker → parent: the worker asks to be replaced (its memory is over the pool's limit, or a call ran out of
    /// memory); body is the MemoryPack-encoded reason. It still answers what it was sent; the parent sends it no more.
    /// </summary>
    Retire = 71,
}
