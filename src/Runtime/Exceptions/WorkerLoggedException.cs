namespace Offload;

/// <summary>
/// An exception that worker code logged, as the parent's loggers receive it: the exception itself stayed in the
/// worker, so this carries its type name, message and full text (<see cref="ToString"/> returns the worker's
/// <see cref="Exception.ToString"/>, stack trace and inner exceptions included).
/// </summary>
public sealed class WorkerLoggedException : Exception
{
    private readonly string _text;

    /// <summary>Creates the exception from what the worker sent.</summary>
    /// <param name="remoteTypeName">The full name of the logged exception's type.</param>
    /// <param name="message">The logged exception's message.</param>
    /// <param name="text">The logged exception's <see cref="Exception.ToString"/> in the worker.</param>
    public WorkerLoggedException(string remoteTypeName, string message, string text)
        : base(message)
    {
        RemoteTypeName = remoteTypeName;
        _text = text;
    }

    /// <summary>The full name of the logged exception's type in the worker, e.g. <c>System.IO.IOException</c>.</summary>
    public string RemoteTypeName { get; }

    /// <summary>The logged exception as the worker wrote it: type, message, inner exceptions and stack trace.</summary>
    public override string ToString() => _text;
}
