namespace Offload;

/// <summary>What the caller gets when a method throws in a worker (<see cref="WorkerPoolOptions.RemoteExceptions"/>).</summary>
public enum RemoteExceptionMode
{
    /// <summary>
    /// The default: an exception of the type the worker threw, where the parent can build one (a known framework type,
    /// or, where the runtime allows reflection, a type of the app with a public <c>(string)</c> or
    /// <c>(string, Exception)</c> constructor), with the worker's stack trace in front of the parent's; otherwise a
    /// <see cref="RemoteInvocationException"/>. Either way <see cref="Exception.Data"/> holds the keys of
    /// <see cref="RemoteExceptionData"/>.
    /// </summary>
    OwnType,

    /// <summary>Always a <see cref="RemoteInvocationException"/> describing the remote exception (as before this option existed).</summary>
    Wrapped,
}
