using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace Offload.CompilerServices;

/// <summary>
/// Names the generated dispatcher of an assembly. A worker reads it once, when it loads the assembly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class OffloadDispatcherAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="dispatcherType">A type with a public parameterless constructor that implements <see cref="IOffloadDispatcher"/>.</param>
    /// <remarks>The annotation keeps the dispatcher's constructor in trimmed and NativeAOT apps: workers create it by reflection.</remarks>
    public OffloadDispatcherAttribute([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type dispatcherType) => DispatcherType = dispatcherType;

    /// <summary>The dispatcher type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type DispatcherType { get; }
}
