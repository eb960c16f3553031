using System.ComponentModel;
using System.Reflection;

namespace Offload.CompilerServices;

/// <summary>
/// Identifies a <c>[RunInWorkerProcess]</c> method on the wire. Created once per method by generated code.
/// </summary>
/// <remarks>
/// The id is a 64-bit hash, computed at compile time, of the assembly name, the containing type, the method name and
/// its parameter types, so overloads get distinct ids and the parent and the worker agree without any lookup by name.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class MethodDescriptor
{
    private string? _spanName;
    private string? _idText;

    /// <summary>Creates a descriptor; called by generated code.</summary>
    /// <param name="declaringType">The type that declares the method; its assembly is loaded in the workers.</param>
    /// <param name="id">The method id computed by the generator.</param>
    /// <param name="displayName">The method as <c>Type.Method(parameter types)</c>, used in exceptions and logs.</param>
    public MethodDescriptor(Type declaringType, ulong id, string displayName)
    {
        ArgumentNullException.ThrowIfNull(declaringType);
        ArgumentException.ThrowIfNullOrEmpty(displayName);
        DeclaringType = declaringType;
        Id = id;
        DisplayName = displayName;
    }

    /// <summary>
    /// Creates a descriptor for a method whose parameter and result types need MemoryPack formatters registered up
    /// front; called by generated code. They are registered here, the first time the method's companions are used, in
    /// the process that sends calls and reads results (see <see cref="FormatterRegistration"/>).
    /// </summary>
    /// <param name="declaringType">The type that declares the method; its assembly is loaded in the workers.</param>
    /// <param name="id">The method id computed by the generator.</param>
    /// <param name="displayName">The method as <c>Type.Method(parameter types)</c>, used in exceptions and logs.</param>
    /// <param name="registerFormatters">The generated method that registers the formatters of its signature.</param>
    public MethodDescriptor(Type declaringType, ulong id, string displayName, Action registerFormatters)
        : this(declaringType, id, displayName)
    {
        WorkerEntryPoint.RegisterFormatters(registerFormatters);
    }

    /// <summary>The method id on the wire.</summary>
    public ulong Id { get; }

    /// <summary>The method as <c>Type.Method(parameter types)</c>.</summary>
    public string DisplayName { get; }

    /// <summary>The type that declares the method.</summary>
    public Type DeclaringType { get; }

    /// <summary>
    /// How many times a call is run again on another worker after its worker died running it (or it timed out, or,
    /// with <see cref="RetryOnException"/>, it threw). From <see cref="RunInWorkerProcessAttribute.MaxRetries"/>.
    /// </summary>
    public int MaxRetries { get; init; }

    /// <summary>Whether an exception thrown by the method is retried too. From <see cref="RunInWorkerProcessAttribute.RetryOnException"/>.</summary>
    public bool RetryOnException { get; init; }

    /// <summary>
    /// The longest a call may run in its worker, or <see langword="null"/> for the pool's default.
    /// From <see cref="RunInWorkerProcessAttribute.TimeoutMilliseconds"/>.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The assembly that holds the method and its generated dispatcher.</summary>
    public Assembly Assembly => DeclaringType.Assembly;

    /// <summary>The declaring type's full name, OpenTelemetry's <c>rpc.service</c> of the method's calls.</summary>
    internal string ServiceName => DeclaringType.FullName?.Replace('+', '.') ?? DeclaringType.Name;

    /// <summary>The method's name alone (the display name without its type and parameters), OpenTelemetry's <c>rpc.method</c>.</summary>
    internal string MethodName
    {
        get
        {
            var end = DisplayName.IndexOf('(');
            var name = end < 0 ? DisplayName : DisplayName[..end];
            return name[(name.LastIndexOf('.') + 1)..];
        }
    }

    /// <summary>The name of a call's client span, <c>{rpc.service}/{rpc.method}</c> as OpenTelemetry's RPC conventions have it; made once.</summary>
    internal string SpanName => _spanName ??= $"{ServiceName}/{MethodName}";

    /// <summary>The method id as 16 hexadecimal digits, as spans tag it; made once.</summary>
    internal string IdText => _idText ??= Id.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}
