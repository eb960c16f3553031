using System.ComponentModel;

namespace Offload.Dispatch;

/// <summary>
/// Names the generated dispatcher of an assembly. A worker reads it once, when it loads the assembly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class OffloadDispatcherAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="dispatcherType">A type with a public parameterless constructor that implements <see cref="IOffloadDispatcher"/>.</param>
    public OffloadDispatcherAttribute(Type dispatcherType) => DispatcherType = dispatcherType;

    /// <summary>The dispatcher type.</summary>
    public Type DispatcherType { get; }
}
