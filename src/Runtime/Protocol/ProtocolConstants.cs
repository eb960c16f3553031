namespace Offload.Protocol;

/// <summary>Numbers both ends of a worker channel must agree on.</summary>
internal static class ProtocolConstants
{
    /// <summary>Version of the wire protocol; a worker that speaks another version is refused at hello.</summary>
    public const int Version = 4;

    /// <summary>Size of the per-start secret a worker must present in its hello frame.</summary>
    public const int SecretSize = 32;

    /// <summary>Default maximum frame size (64 MiB): larger arguments or results fail with a clear error.</summary>
    public const int DefaultMaxFrameBytes = 64 * 1024 * 1024;

    /// <summary>Smallest maximum frame size a pool accepts; hello and error frames must always fit.</summary>
    public const int MinMaxFrameBytes = 64 * 1024;

    /// <summary>
    /// Items of a streamed result a worker sends beyond what the caller took, by default: enough to keep a fast consumer
    /// fed across a round trip, few enough that a slow one holds a bounded number in memory.
    /// </summary>
    public const int DefaultStreamWindow = 32;

    /// <summary>Bytes of the method id that start every call body.</summary>
    public const int MethodIdSize = sizeof(ulong);
}
