using MemoryPack;

namespace Offload.Protocol;

/// <summary>One scope of a <see cref="LogRecord"/>: its text and, for structured state, its keys and values.</summary>
[MemoryPackable]
internal sealed partial class LogScope
{
    /// <summary>The scope's state as text.</summary>
    public string Text { get; set; } = "";

    /// <summary>The structured state's keys, if the scope's state was a list of key-value pairs.</summary>
    public string[] Keys { get; set; } = [];

    /// <summary>The structured state's values as strings.</summary>
    public string?[] Values { get; set; } = [];
}
