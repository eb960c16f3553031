using MemoryPack;

namespace Offload.Protocol;

/// <summary>
/// Registers the MemoryPack formatter of the protocol's MemoryPack messages (<see cref="RemoteError"/>, <see cref="LogRecord"/>) up front.
/// MemoryPack otherwise registers a type's formatter the first time the type is used, which a reader can only do by
/// reflection — found in a NativeAOT app only if the trimmer kept the member it looks for: a parent reads errors it
/// never made.
/// </summary>
internal static class ProtocolFormatters
{
    private static int registered;

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref registered, 1) != 0)
        {
            return;
        }

        MemoryPackFormatterProvider.Register<RemoteError>();
        MemoryPackFormatterProvider.Register<LogScope>();
        MemoryPackFormatterProvider.Register<LogRecord>();
    }
}
