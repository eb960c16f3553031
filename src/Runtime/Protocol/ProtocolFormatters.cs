using MemoryPack;

namespace Offload.Protocol;

/// <summary>
/// Registers the MemoryPack formatters of the protocol's messages up front. MemoryPack otherwise registers a type's
/// formatter the first time the type is used, which a reader can only do by reflection — found in a NativeAOT app only
/// if the trimmer kept the member it looks for. A worker reads a <see cref="LoadAssemblyMessage"/> before it has ever
/// made one.
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

        MemoryPackFormatterProvider.Register<HelloMessage>();
        MemoryPackFormatterProvider.Register<LoadAssemblyMessage>();
        MemoryPackFormatterProvider.Register<RemoteError>();
    }
}
