namespace Offload.Generator.Model;

/// <summary>What the per-assembly dispatcher needs: every valid method's id and where its invoker lives.</summary>
internal sealed record DispatcherModel(EquatableArray<DispatchEntry> Entries);

/// <summary>One case of the dispatcher's switch.</summary>
/// <param name="MethodIdLiteral">The method id as a C# literal.</param>
/// <param name="InvokerPath">The invoker's fully qualified name.</param>
internal sealed record DispatchEntry(string MethodIdLiteral, string InvokerPath);
