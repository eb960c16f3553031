namespace Offload;

/// <summary>
/// A call ran in its worker for longer than its timeout (<see cref="RunInWorkerProcessAttribute.TimeoutMilliseconds"/>
/// or <see cref="WorkerPoolOptions.CallTimeout"/>). The worker was killed, since nothing else stops code that does not
/// return, and a new one took its place.
/// </summary>
public sealed class CallTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public CallTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>The method the call was for, as <c>Type.Method(parameter types)</c>.</summary>
    public string? MethodName { get; init; }

    /// <summary>The worker that was running the call.</summary>
    public int? WorkerId { get; init; }

    /// <summary>The timeout the call ran past.</summary>
    public TimeSpan Timeout { get; init; }
}
