using System.ComponentModel;
using Offload.Parent;

namespace Offload.CompilerServices;

/// <summary>
/// The entry points the generated companions call: they check their arguments and hand the call to the pool. A
/// <see cref="WorkerPool"/> is called directly, the hottest path, without an interface call; any other
/// <see cref="IWorkerPool"/> through the interface.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class OffloadCalls
{
    /// <summary>Runs a method that returns a value in a worker of <paramref name="pool"/>.</summary>
    /// <param name="pool">The pool whose workers run the call.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static Task<TResult> InvokeAsync<TArguments, TResult>(IWorkerPool pool, MethodDescriptor method, in TArguments arguments, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(method);
        return pool is WorkerPool local
            ? CallIntake.InvokeAsync<TArguments, TResult>(local, method, arguments, progress: null, cancellationToken)
            : pool.InvokeAsync<TArguments, TResult>(method, arguments, progress: null, cancellationToken);
    }

    /// <summary>Runs a method with no result in a worker of <paramref name="pool"/>.</summary>
    /// <param name="pool">The pool whose workers run the call.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static Task InvokeAsync<TArguments>(IWorkerPool pool, MethodDescriptor method, in TArguments arguments, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(method);
        return pool is WorkerPool local
            ? CallIntake.InvokeAsync(local, method, arguments, progress: null, cancellationToken)
            : pool.InvokeAsync(method, arguments, progress: null, cancellationToken);
    }

    /// <summary>Runs a method that returns a value and reports progress in a worker of <paramref name="pool"/>.</summary>
    /// <param name="pool">The pool whose workers run the call.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="progress">The caller's progress (<see cref="ProgressReceiver.Create{T}(IProgress{T}?)"/>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static Task<TResult> InvokeAsync<TArguments, TResult>(IWorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(method);
        return pool.InvokeAsync<TArguments, TResult>(method, arguments, progress, cancellationToken);
    }

    /// <summary>Runs a method with no result that reports progress in a worker of <paramref name="pool"/>.</summary>
    /// <param name="pool">The pool whose workers run the call.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="progress">The caller's progress (<see cref="ProgressReceiver.Create{T}(IProgress{T}?)"/>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static Task InvokeAsync<TArguments>(IWorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(method);
        return pool.InvokeAsync(method, arguments, progress, cancellationToken);
    }

    /// <summary>
    /// Runs a method that returns <see cref="IAsyncEnumerable{T}"/> in a worker of <paramref name="pool"/>; the call
    /// starts when the result is enumerated, once per enumeration.
    /// </summary>
    /// <param name="pool">The pool whose workers run the call.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="progress">The caller's progress (<see cref="ProgressReceiver.Create{T}(IProgress{T}?)"/>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static IAsyncEnumerable<TItem> StreamAsync<TArguments, TItem>(IWorkerPool pool, MethodDescriptor method, in TArguments arguments, ProgressReceiver? progress, CancellationToken cancellationToken)
        where TArguments : struct, IOffloadArguments
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(method);
        return pool.StreamAsync<TArguments, TItem>(method, arguments, progress, cancellationToken);
    }
}
