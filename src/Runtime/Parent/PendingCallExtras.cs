using Offload.CompilerServices;
using Offload.Telemetry;

namespace Offload.Parent;

/// <summary>
/// The parts of a <see cref="PendingCall"/> that only some calls use: progress, telemetry, a queue slot, a cancellable
/// token. Kept apart, created on first use, so that a trivial call carries one reference instead of these fields.
/// </summary>
/// <remarks>Fields, not properties: <see cref="CanceledAt"/> is written and read with <see cref="Volatile"/>.</remarks>
internal sealed class PendingCallExtras
{
    /// <summary>See <see cref="PendingCall.CanceledAt"/>.</summary>
    public long CanceledAt;

    /// <summary>The caller's token's registration, disposed when the call completes.</summary>
    public CancellationTokenRegistration Registration;

    /// <summary>See <see cref="PendingCall.Progress"/>.</summary>
    public ProgressReceiver? Progress;

    /// <summary>See <see cref="PendingCall.Telemetry"/>.</summary>
    public CallTelemetry? Telemetry;

    /// <summary>See <see cref="PendingCall.QueueSlot"/>.</summary>
    public SemaphoreSlim? QueueSlot;
}
