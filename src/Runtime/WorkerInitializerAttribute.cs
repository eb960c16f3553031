namespace Offload;

/// <summary>
/// Marks a <see langword="static"/>, parameterless method (returning <see langword="void"/>, <see cref="Task"/> or
/// <see cref="ValueTask"/>) to run once in every worker process, before the
/// worker takes its first call: the place to load a model, open a native library or warm a cache.
/// </summary>
/// <remarks>
/// <para>
/// A worker runs the initializers of every assembly with <c>[RunInWorkerProcess]</c> or <c>[WorkerInitializer]</c>
/// methods that the pool's process has loaded, in the order of <see cref="Order"/> and then of their names, while it warms up; an assembly loaded later
/// runs its initializers before its first call. If an initializer throws, the worker does not count as started: the
/// pool fails to start with <see cref="WorkerStartException"/>, whose inner exception is the initializer's
/// (<see cref="RemoteInvocationException"/>), instead of retrying a start that would fail the same way.
/// </para>
/// <para>
/// Settings an initializer needs from the parent (the role of Python's <c>initargs</c>) travel as
/// <see cref="WorkerPoolOptions.EnvironmentVariables"/>.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class WorkerInitializerAttribute : Attribute
{
    /// <summary>Initializers run in ascending order of this value, then by type and method name. Default 0.</summary>
    public int Order { get; set; }
}
