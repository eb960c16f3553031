namespace Offload.Generator.Model;

/// <summary>What a <c>[RunInWorkerProcess]</c> method's parameter is to a call: sent to the worker, or bound there.</summary>
internal enum ParameterKind
{
    /// <summary>An argument: a companion parameter, written into the arguments struct and read back in the worker.</summary>
    Sent = 0,

    /// <summary>A <c>CancellationToken</c>: not a companion parameter; the worker binds the call's token.</summary>
    CancellationToken,

    /// <summary>
    /// An <c>IProgress&lt;T&gt;</c>: a companion parameter, but not sent; the worker binds a proxy whose reports reach
    /// the caller's <c>IProgress&lt;T&gt;</c>.
    /// </summary>
    Progress,

    /// <summary>An <c>ILogger</c> or <c>ILogger&lt;T&gt;</c>: not a companion parameter; the worker binds a logger.</summary>
    Logger,
}
