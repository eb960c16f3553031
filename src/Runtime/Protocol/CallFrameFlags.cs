namespace Offload.Protocol;

/// <summary>The bits of a <see cref="FrameKind.Call"/> frame's header flags.</summary>
internal static class CallFrameFlags
{
    /// <summary>No flag: the body is the method id, then the arguments.</summary>
    public const byte None = 0;

    /// <summary>
    /// The body carries the caller's W3C trace context (<see cref="TraceContextBlock"/>) between the method id and the
    /// arguments. Without it the body is exactly the method id and the arguments, so an untraced call costs no byte more.
    /// </summary>
    public const byte TraceContext = 0x01;
}
