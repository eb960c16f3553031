namespace Offload;

/// <summary>
/// Marks a <see langword="static"/> method of a <see langword="partial"/> type to be run in a worker process.
/// </summary>
/// <remarks>
/// <para>
/// The Offload source generator adds an asynchronous companion to the same partial type: for a method
/// <c>long CountPrimes(long from, long to)</c> it adds
/// <c>Task&lt;long&gt; CountPrimesAsync(long from, long to, CancellationToken cancellationToken = default)</c>,
/// which runs the method in <see cref="WorkerPool.Shared"/>, and an overload that takes a <see cref="WorkerPool"/> first.
/// A method whose name already ends in <c>Async</c> gets <c>{Name-without-Async}InWorkerAsync</c>.
/// </para>
/// <para>
/// Calling the method itself still runs it in the current process.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RunInWorkerProcessAttribute : Attribute
{
}
