namespace Offload.Telemetry;

/// <summary>
/// Tag names and values of Offload's spans and metrics: OpenTelemetry's where it has one (<c>rpc.*</c>,
/// <c>error.type</c>, <c>network.io.direction</c>), dotted lower case under <c>offload.</c> for the rest.
/// </summary>
internal static class TelemetryNames
{
    public const string RpcSystem = "rpc.system";
    public const string RpcService = "rpc.service";
    public const string RpcMethod = "rpc.method";
    public const string ErrorType = "error.type";
    public const string NetworkIoDirection = "network.io.direction";

    public const string RpcSystemValue = "offload";

    public const string PoolName = "offload.pool.name";
    public const string Method = "offload.method";
    public const string MethodId = "offload.method.id";
    public const string Outcome = "offload.outcome";
    public const string WorkerId = "offload.worker.id";
    public const string Retries = "offload.retries";
    public const string WorkerState = "offload.worker.state";
    public const string ChunkFirstIndex = "offload.chunk.first_index";
    public const string ChunkItems = "offload.chunk.items";

    /// <summary>The event a client span gets each time its call is sent again.</summary>
    public const string RetryEvent = "offload.retry";

    /// <summary>Values of <see cref="Outcome"/>: what the caller saw.</summary>
    public static class Outcomes
    {
        /// <summary>The call returned.</summary>
        public const string Success = "success";

        /// <summary>The method threw (its exception, rebuilt, or <see cref="RemoteInvocationException"/>), or any other failure.</summary>
        public const string Error = "error";

        /// <summary>The call ran past its timeout (<see cref="CallTimeoutException"/>).</summary>
        public const string Timeout = "timeout";

        /// <summary>Its worker died running it (<see cref="WorkerCrashedException"/>).</summary>
        public const string Crashed = "crashed";

        /// <summary>The caller (or a shutdown that cancels queued calls) canceled it.</summary>
        public const string Canceled = "canceled";

        /// <summary>The pool shut down before the call was answered (its <see cref="ObjectDisposedException"/> for <see cref="WorkerPool"/>).</summary>
        public const string Shutdown = "shutdown";

        /// <summary>
        /// The outcome of a call that failed with <paramref name="exception"/>. A method's own exception is rebuilt as its
        /// type, an <see cref="ObjectDisposedException"/> among them: only the pool's own one, for <see cref="WorkerPool"/>,
        /// means it shut down.
        /// </summary>
        public static string Of(Exception exception) => exception switch
        {
            CallTimeoutException => Timeout,
            WorkerCrashedException => Crashed,
            ObjectDisposedException { ObjectName: nameof(WorkerPool) } => Shutdown,
            _ => Error,
        };
    }

    /// <summary>Values of <see cref="WorkerState"/>.</summary>
    public static class WorkerStates
    {
        public const string Starting = "starting";
        public const string Idle = "idle";
        public const string Busy = "busy";
        public const string Retiring = "retiring";
    }

    /// <summary>Values of <see cref="NetworkIoDirection"/>, as OpenTelemetry names them.</summary>
    public static class Directions
    {
        public const string Transmit = "transmit";
        public const string Receive = "receive";
    }
}
