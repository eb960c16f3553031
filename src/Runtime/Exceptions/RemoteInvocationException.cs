using System.Text;
using Offload.Protocol;

namespace Offload;

/// <summary>
/// The user's method threw in a worker. Carries the remote exception's type name, message and stack trace;
/// remote inner exceptions become <see cref="Exception.InnerException"/> (and <see cref="RemoteInnerExceptions"/>;
/// those that did not fit in the report are counted in <see cref="RemoteInnerExceptionsOmitted"/>).
/// </summary>
/// <remarks>
/// The worker keeps serving after a user exception. With <see cref="WorkerPoolOptions.RemoteExceptions"/> at its default,
/// <see cref="RemoteExceptionMode.OwnType"/>, the caller gets this only for an exception the parent cannot rebuild with
/// its own type (one only the worker knows, without a usable constructor, a cancellation, out of memory, …); otherwise
/// for every one.
/// </remarks>
public sealed class RemoteInvocationException : OffloadException
{
    /// <summary>Creates the exception from the wire form of a remote error.</summary>
    internal RemoteInvocationException(string? methodName, int? workerId, RemoteError error)
        : this(methodName, workerId, error ?? throw new ArgumentNullException(nameof(error)), error.InnerErrors.Select(e => new RemoteInvocationException(methodName, workerId, e)).ToArray())
    {
    }

    // The inner exceptions are built once: the first is also the .NET InnerException, so both views are the same objects.
    private RemoteInvocationException(string? methodName, int? workerId, RemoteError error, RemoteInvocationException[] inner)
        : base(FormatMessage(methodName, workerId, error), inner.FirstOrDefault())
    {
        MethodName = methodName;
        WorkerId = workerId;
        RemoteTypeName = error.TypeName;
        RemoteMessage = error.Message;
        RemoteStackTrace = error.StackTrace;
        HResult = error.HResult;
        RemoteInnerExceptions = inner;
        RemoteInnerExceptionsOmitted = error.OmittedInnerErrors;
    }

    /// <summary>Full name of the exception type thrown in the worker, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteTypeName { get; }

    /// <summary>The message of the exception thrown in the worker.</summary>
    public string RemoteMessage { get; }

    /// <summary>The stack trace in the worker.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>All remote inner exceptions (several for a remote <see cref="AggregateException"/>).</summary>
    public IReadOnlyList<RemoteInvocationException> RemoteInnerExceptions { get; }

    /// <summary>
    /// How many of the remote exception's inner exceptions are not in <see cref="RemoteInnerExceptions"/>: the last ones,
    /// left out because an error report must fit in one frame (<see cref="WorkerPoolOptions.MaxFrameBytes"/>) and holds
    /// at most 8 levels and 10,000 exceptions. Zero when every one arrived.
    /// </summary>
    public int RemoteInnerExceptionsOmitted { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(GetType().FullName).Append(": ").Append(Message);
        foreach (var inner in RemoteInnerExceptions)
        {
            text.AppendLine().Append(" ---> ").Append(inner.ToString());
            text.AppendLine().Append("   --- End of inner exception stack trace ---");
        }

        if (RemoteStackTrace is { Length: > 0 })
        {
            text.AppendLine().Append("   --- Remote stack trace (worker ").Append(WorkerId).AppendLine(") ---");
            text.Append(RemoteStackTrace);
        }

        if (StackTrace is { Length: > 0 } local)
        {
            text.AppendLine().AppendLine("   --- Local stack trace ---").Append(local);
        }

        return text.ToString();
    }

    private static string FormatMessage(string? methodName, int? workerId, RemoteError error)
    {
        var message = $"{methodName ?? "The method"} threw {error.TypeName} in worker {workerId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}: {error.Message}";
        return error.OmittedInnerErrors switch
        {
            <= 0 => message,
            1 => message + " (1 more inner exception was left out of the report: see RemoteInnerExceptionsOmitted.)",
            var omitted => message + $" ({omitted.ToString(System.Globalization.CultureInfo.InvariantCulture)} more inner exceptions were left out of the report: see RemoteInnerExceptionsOmitted.)",
        };
    }
}
