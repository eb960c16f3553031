namespace Offload;

/// <summary>
/// The keys under which an exception that a worker threw carries, in <see cref="Exception.Data"/>, where it came from.
/// Every exception the caller gets for a method that threw in a worker has them, whether it was rebuilt with its own type
/// (<see cref="RemoteExceptionMode.OwnType"/>) or is a <see cref="RemoteInvocationException"/>, and so do its inner
/// exceptions.
/// </summary>
/// <example>
/// <code>
/// catch (ArgumentException ex) when (ex.Data.Contains(RemoteExceptionData.WorkerId))
/// {
///     log.LogWarning(ex, "{Method} rejected its input in worker {Worker}", ex.Data[RemoteExceptionData.Method], ex.Data[RemoteExceptionData.WorkerId]);
/// }
/// </code>
/// </example>
public static class RemoteExceptionData
{
    /// <summary>
    /// <c>"Offload.RemoteType"</c>: the full name of the exception's type in the worker (a <see cref="string"/>), the same
    /// as the exception's own type when it was rebuilt, else the type a <see cref="RemoteInvocationException"/> stands for.
    /// </summary>
    public const string RemoteType = "Offload.RemoteType";

    /// <summary><c>"Offload.WorkerId"</c>: the id of the worker that ran the call (an <see cref="int"/>), when known.</summary>
    public const string WorkerId = "Offload.WorkerId";

    /// <summary><c>"Offload.Method"</c>: the method that threw, as <c>Type.Method(parameter types)</c> (a <see cref="string"/>).</summary>
    public const string Method = "Offload.Method";
}
