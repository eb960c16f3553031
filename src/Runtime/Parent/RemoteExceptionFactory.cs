using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>
/// Turns a <see cref="RemoteError"/> (the wire form of what a method threw in a worker) into the exception its caller
/// sees: one of the type the worker threw where the parent can build one faithfully, else a
/// <see cref="RemoteInvocationException"/>. Never throws.
/// </summary>
/// <remarks>
/// The rule (<see cref="RemoteExceptionMode.OwnType"/>), level by level from the outermost exception:
/// <list type="number">
/// <item>The type is looked up: first among <see cref="FrameworkExceptions"/>, built by their own constructors with no
/// reflection; else, where the runtime allows reflection (<see cref="RuntimeFeature.IsDynamicCodeSupported"/>, so not
/// in NativeAOT), by <see cref="Type.GetType(string, bool)"/> with the remote full name and the name of the assembly it
/// came from (<see cref="RemoteError.AssemblyName"/>, which loads that assembly if the parent has not yet), and built
/// by its public <c>(string message)</c> or <c>(string message, Exception innerException)</c> constructor.</item>
/// <item>It stays a <see cref="RemoteInvocationException"/> when the type is not found, is not an exception, is
/// abstract or open generic, has neither constructor, or its constructor throws; when the built exception's message is
/// not the remote message (a constructor whose string is something else, a key or a file name) or it did not take the
/// inner exception (a type with only a <c>(string)</c> constructor, for a remote exception that had one); when the
/// report left inner exceptions out (<see cref="RemoteInvocationException.RemoteInnerExceptionsOmitted"/> says so, a
/// rebuilt exception could not); when it holds several inner exceptions and is not an <see cref="AggregateException"/>;
/// and for the types <see cref="NeverRebuilt"/> names. Nothing is lost either way: a
/// <see cref="RemoteInvocationException"/> keeps the type name, message, stack, HResult and inner exceptions.</item>
/// <item>A rebuilt exception gets the remote message, its inner exception converted by this same rule (each of an
/// <see cref="AggregateException"/>'s), the remote HResult, and the remote stack trace as
/// <see cref="ExceptionDispatchInfo.SetRemoteStackTrace"/> attaches it: its <see cref="Exception.StackTrace"/> shows the
/// worker's frames, then the parent's once it is thrown. Below a level that stays a
/// <see cref="RemoteInvocationException"/>, every inner exception is one too.</item>
/// <item>Every exception of the tree carries the keys of <see cref="RemoteExceptionData"/> in its <see cref="Exception.Data"/>.</item>
/// </list>
/// </remarks>
internal static class RemoteExceptionFactory
{
    private const string ReflectionJustification =
        "The type is named by the worker, which is this same application. A type or constructor the trimmer removed is "
        + "simply not found, and the caller then gets a RemoteInvocationException, as documented; nothing else depends on it.";

    /// <summary>The exception the caller of <paramref name="methodName"/> sees for <paramref name="error"/>.</summary>
    /// <param name="error">What the method threw, as the worker reported it.</param>
    /// <param name="methodName">The method, as <c>Type.Method(parameter types)</c>.</param>
    /// <param name="workerId">The worker that ran it.</param>
    /// <param name="mode">Whether to rebuild the worker's exception types (<see cref="WorkerPoolOptions.RemoteExceptions"/>).</param>
    public static Exception Create(RemoteError error, string? methodName, int? workerId, RemoteExceptionMode mode)
    {
        try
        {
            return Convert(error, methodName, workerId, mode == RemoteExceptionMode.OwnType);
        }
        catch (Exception)
        {
            // Only a malformed report gets here (a null where the wire allows one; Convert already falls back level by
            // level): the call still fails, with what can be read of it.
            return new RemoteInvocationException(methodName, workerId, new RemoteError
            {
                TypeName = error?.TypeName ?? RemoteError.Unknown.TypeName,
                Message = error?.Message ?? "",
                StackTrace = error?.StackTrace,
                HResult = error?.HResult ?? 0,
            });
        }
    }

    /// <summary>
    /// Types never rebuilt, subclasses included, though the parent could build them: Offload's own exceptions
    /// (<see cref="OffloadException"/>s, <see cref="CallTimeoutException"/>) describe a pool (a worker that called a pool
    /// of its own), and would claim that this call's worker crashed or timed out; an <see cref="OperationCanceledException"/> would read as the caller's own cancellation (the worker reports
    /// the caller's as a cancellation, not an error, so one that arrives as an error is a failure the caller did not ask
    /// for, and code that ignores cancellations would silently swallow it); and the exceptions that describe the state of
    /// the process that raised them (out of memory or stack, an access violation, broken code or a failed type
    /// initializer) would make the parent believe itself in that state.
    /// </summary>
    internal static bool NeverRebuilt(Type type) =>
        type.Assembly == typeof(OffloadException).Assembly
        || typeof(OffloadException).IsAssignableFrom(type)
        || typeof(OperationCanceledException).IsAssignableFrom(type)
        || typeof(OutOfMemoryException).IsAssignableFrom(type)
        || typeof(InsufficientExecutionStackException).IsAssignableFrom(type)
        || typeof(StackOverflowException).IsAssignableFrom(type)
        || typeof(AccessViolationException).IsAssignableFrom(type)
        || typeof(SEHException).IsAssignableFrom(type)
        || typeof(InvalidProgramException).IsAssignableFrom(type)
        || typeof(TypeInitializationException).IsAssignableFrom(type)
        || type.FullName == "System.ExecutionEngineException";

    private static Exception Convert(RemoteError error, string? methodName, int? workerId, bool ownType)
    {
        if (ownType && TryRebuild(error, methodName, workerId) is { } rebuilt)
        {
            Describe(rebuilt, error.TypeName, methodName, workerId);
            return rebuilt;
        }

        var wrapped = new RemoteInvocationException(methodName, workerId, error);
        DescribeAll(wrapped);
        return wrapped;
    }

    private static Exception? TryRebuild(RemoteError error, string? methodName, int? workerId)
    {
        try
        {
            if (error.OmittedInnerErrors > 0)
            {
                return null;
            }

            Exception? exception;
            if (error.TypeName == typeof(AggregateException).FullName)
            {
                var inner = Array.ConvertAll(error.InnerErrors, e => Convert(e, methodName, workerId, ownType: true));
                exception = new AggregateException(AggregateText(error), inner);
            }
            else if (error.InnerErrors.Length > 1)
            {
                return null;
            }
            else
            {
                var inner = error.InnerErrors.Length == 1 ? Convert(error.InnerErrors[0], methodName, workerId, ownType: true) : null;
                exception = FrameworkExceptions.Create(error.TypeName, error.Message, inner) ?? CreateByReflection(error, inner);
            }

            if (exception is null)
            {
                return null;
            }

            exception.HResult = error.HResult;
            if (error.StackTrace is { Length: > 0 } stack)
            {
                ExceptionDispatchInfo.SetRemoteStackTrace(exception, stack);
            }

            return exception;
        }
        catch (Exception)
        {
            // A constructor or a property of the user's type threw, or the name did not parse: the wrapped form.
            return null;
        }
    }

    /// <summary>
    /// An exception of the app's type named by <paramref name="error"/>, or <see langword="null"/> when it cannot be
    /// built faithfully (see the remarks on the class); never tried where reflection cannot be relied on (NativeAOT).
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2057:Unrecognized value passed to the parameter of method with 'DynamicallyAccessedMembersAttribute'", Justification = ReflectionJustification)]
    [UnconditionalSuppressMessage("Trimming", "IL2075:'this' argument does not satisfy 'DynamicallyAccessedMembersAttribute'", Justification = ReflectionJustification)]
    private static Exception? CreateByReflection(RemoteError error, Exception? inner)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            return null;
        }

        var name = error.AssemblyName is { Length: > 0 } assembly ? $"{error.TypeName}, {assembly}" : error.TypeName;
        var type = Type.GetType(name, throwOnError: false);
        if (type is null || !typeof(Exception).IsAssignableFrom(type) || type.IsAbstract || type.ContainsGenericParameters || NeverRebuilt(type))
        {
            return null;
        }

        var withInner = type.GetConstructor([typeof(string), typeof(Exception)]);
        var created = inner is null && type.GetConstructor([typeof(string)]) is { } messageOnly
            ? messageOnly.Invoke([error.Message])
            : withInner?.Invoke([error.Message, inner]);
        return created is Exception exception
            && string.Equals(exception.Message, error.Message, StringComparison.Ordinal)
            && ReferenceEquals(exception.InnerException, inner)
            ? exception
            : null;
    }

    /// <summary>
    /// The message an <see cref="AggregateException"/> was made with: its <see cref="Exception.Message"/> adds each inner
    /// exception's message in parentheses, which the rebuilt one adds again. When the ending is not exactly that (the
    /// report cut the text), the whole message is kept: repeated, rather than cut.
    /// </summary>
    private static string AggregateText(RemoteError error)
    {
        if (error.InnerErrors.Length == 0)
        {
            return error.Message;
        }

        var added = string.Concat(error.InnerErrors.Select(e => $" ({e.Message})"));
        return error.Message.EndsWith(added, StringComparison.Ordinal) ? error.Message[..^added.Length] : error.Message;
    }

    private static void DescribeAll(RemoteInvocationException exception)
    {
        Describe(exception, exception.RemoteTypeName, exception.MethodName, exception.WorkerId);
        foreach (var inner in exception.RemoteInnerExceptions)
        {
            DescribeAll(inner);
        }
    }

    private static void Describe(Exception exception, string remoteType, string? methodName, int? workerId)
    {
        try
        {
            var data = exception.Data;
            data[RemoteExceptionData.RemoteType] = remoteType;
            if (workerId is { } id)
            {
                data[RemoteExceptionData.WorkerId] = id;
            }

            if (methodName is not null)
            {
                data[RemoteExceptionData.Method] = methodName;
            }
        }
        catch (Exception)
        {
            // A user type whose Data is read-only or throws: the exception itself is still what the caller gets.
        }
    }
}
