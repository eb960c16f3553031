using System.ComponentModel;

namespace Offload.CompilerServices;

/// <summary>
/// The generated per-assembly dispatcher a worker uses: a switch on the method id that calls the method's generated invoker.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IOffloadDispatcher
{
    /// <summary>The ids of every method this dispatcher can run.</summary>
    IReadOnlyList<ulong> MethodIds { get; }

    /// <summary>Runs the invocation's method; completes once the result (or exception) is known.</summary>
    ValueTask InvokeAsync(Invocation invocation);

    /// <summary>
    /// Runs the assembly's <c>[WorkerInitializer]</c> methods, in order; called once per worker, before the first call
    /// that needs this assembly. The default does nothing (an assembly without initializers).
    /// </summary>
    ValueTask InitializeAsync() => default;
}
