using System.Buffers;
using System.ComponentModel;
using MemoryPack;

namespace Offload.CompilerServices;

/// <summary>
/// The arguments of one call, as a generated struct that writes and reads each argument with MemoryPack,
/// in declaration order. Generated code implements it; the runtime calls it through a constrained generic,
/// so there is neither boxing nor reflection per call.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IOffloadArguments
{
    /// <summary>Writes every argument, in parameter order.</summary>
    void Write<TBufferWriter>(ref MemoryPackWriter<TBufferWriter> writer)
        where TBufferWriter : IBufferWriter<byte>;

    /// <summary>Reads every argument, in parameter order.</summary>
    void Read(ref MemoryPackReader reader);
}
