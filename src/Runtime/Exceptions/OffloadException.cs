namespace Offload;

/// <summary>Base class of every exception Offload raises for a call that did not complete in a worker.</summary>
public class OffloadException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public OffloadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public OffloadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The method the call was for, as <c>Type.Method(parameter types)</c>, when known.</summary>
    public string? MethodName { get; init; }

    /// <summary>The id of the worker the call ran on, when it reached one.</summary>
    public int? WorkerId { get; init; }
}
