namespace Offload.Protocol;

/// <summary>The exit codes of a worker that ends on its own; the parent shows them in <see cref="WorkerCrashedException"/>.</summary>
internal static class WorkerExitCodes
{
    /// <summary>The pool let the worker go.</summary>
    public const int Success = 0;

    /// <summary>The session could not go on (the channel broke, or the worker failed).</summary>
    public const int Failed = 1;

    /// <summary>The worker's command line was incomplete.</summary>
    public const int BadArguments = 2;

    /// <summary>No secret arrived on standard input.</summary>
    public const int NoSecret = 3;

    /// <summary>The pool's socket could not be reached.</summary>
    public const int CannotConnect = 4;

    /// <summary>A CoreCLR app was started as a worker, but Offload's startup hook did not run.</summary>
    public const int NoStartupHook = 5;
}
