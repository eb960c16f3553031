namespace Offload.Generator.Model;

/// <summary>What the per-assembly dispatcher needs: every valid method's id and where its invoker lives, and the initializers.</summary>
/// <param name="Entries">The switch's cases, in ordinal order of the method id.</param>
/// <param name="Initializers">The valid <c>[WorkerInitializer]</c> methods, in the order they run.</param>
/// <param name="FormatterRegistrations">
/// The fully qualified generated methods that register the formatters of a method's <c>[MemoryPackable]</c> types, in
/// ordinal order; the dispatcher calls them all.
/// </param>
internal sealed record DispatcherModel(
    EquatableArray<DispatchEntry> Entries,
    EquatableArray<InitializerModel> Initializers,
    EquatableArray<string> FormatterRegistrations);

/// <summary>One case of the dispatcher's switch.</summary>
/// <param name="MethodIdLiteral">The method id as a C# literal.</param>
/// <param name="InvokerPath">The invoker's fully qualified name.</param>
internal sealed record DispatchEntry(string MethodIdLiteral, string InvokerPath);
