using Offload.Protocol;

namespace Offload.Parent;

/// <summary>
/// What the caller sees when something happens to a call, and when a call is retried instead: the rules in one place.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The worker answers with a result: the result (<see cref="PendingCall.CompleteFromResult"/>).</item>
/// <item>The method threw: retried if the method retries on exceptions and has retries left; else the exception of the
/// worker's own type or a <see cref="RemoteInvocationException"/> (<see cref="RemoteExceptionFactory"/>), or
/// <see cref="PayloadTooLargeException"/> for a result too large to send.</item>
/// <item>The caller canceled: the task is canceled at once; a queued call never runs, a running one sees its token,
/// and a worker still running it after the grace period is killed (the call stays canceled).</item>
/// <item>The call ran past its timeout: its worker is killed; retried if retries are left, else <see cref="CallTimeoutException"/>.</item>
/// <item>Its worker died while running it: retried if retries are left, else <see cref="WorkerCrashedException"/>. Calls
/// queued behind it on that worker had not started: they go to other workers, unchanged, and count no retry.</item>
/// <item>The pool shut down before the call was answered: <see cref="ObjectDisposedException"/>.</item>
/// </list>
/// A retry happens only while the pool runs and is not faulted (<see cref="CallScheduler.TryRetry"/>).
/// </remarks>
internal static class CallOutcomes
{
    /// <summary>
    /// Of the calls a dead worker had, the one it was running, or <see langword="null"/> when none may have run: the
    /// head, if it timed out (the pool killed the worker for it) or if its frame may have reached the worker.
    /// </summary>
    public static PendingCall? RunningWhenDied(List<PendingCall> calls, long killedForCallId, out bool timedOut)
    {
        timedOut = false;
        if (calls.Count == 0)
        {
            return null;
        }

        var head = calls[0];
        if (head.CallId == killedForCallId)
        {
            timedOut = true;
            return head;
        }

        return head.MayHaveRunOnDeadWorker() ? head : null;
    }

    /// <summary>Settles the call a worker was running when it died: a retry, or the failure the caller sees.</summary>
    public static void SettleRunningCall(PendingCall call, WorkerDeath death, CallScheduler scheduler)
    {
        if (death.TimedOut)
        {
            if (!scheduler.TryRetry(call))
            {
                var timeout = death.Timeout;
                call.TryFail(new CallTimeoutException(
                    $"{call.Method.DisplayName} did not finish within its timeout of {timeout.TotalSeconds:0.###} s; worker {death.WorkerId} (pid {death.ProcessId}) was killed and replaced.")
                {
                    MethodName = call.Method.DisplayName,
                    WorkerId = death.WorkerId,
                    Timeout = timeout,
                });
            }
        }
        else if (death.Expected)
        {
            call.TryFail(PoolShutDown());
        }
        else if (call.IsCompleted || !scheduler.TryRetry(call))
        {
            call.TryFail(new WorkerCrashedException(
                $"Worker {death.WorkerId} (pid {death.ProcessId}) died while running {call.Method.DisplayName}: {death.Reason}, {death.Exit.Describe()}.{death.Exit.FormatTail()}")
            {
                MethodName = call.Method.DisplayName,
                WorkerId = death.WorkerId,
                ExitCode = death.Exit.ExitCode,
                Signal = death.Exit.Signal,
                StandardErrorTail = death.Exit.StandardErrorTail,
            });
        }
    }

    /// <summary>
    /// The last resort when settling a dead worker's call failed: the call still fails. (A worker whose exit could not be
    /// read is settled by <see cref="SettleRunningCall"/> like any other, with what is known.)
    /// </summary>
    public static void FailRunningCall(PendingCall call, int workerId, string reason, Exception cause) =>
        call.TryFail(new WorkerCrashedException($"Worker {workerId} died while running {call.Method.DisplayName}: {reason}.", cause)
        {
            MethodName = call.Method.DisplayName,
            WorkerId = workerId,
        });

    /// <summary>The method threw in the worker: a retry, when the method asks for one, or the failure the caller sees.</summary>
    public static void SettleRemoteError(PendingCall call, RemoteError error, int workerId, WorkerPoolOptions options, CallScheduler scheduler)
    {
        if (RetriesOnException(call, scheduler))
        {
            return;
        }

        call.TryFail(error.TypeName == typeof(PayloadTooLargeException).FullName
            ? new PayloadTooLargeException($"The result of {call.Method.DisplayName}: {error.Message}") { MethodName = call.Method.DisplayName, WorkerId = workerId, MaxFrameBytes = options.MaxFrameBytes }
            : RemoteExceptionFactory.Create(error, call.Method.DisplayName, workerId, options.RemoteExceptions));
    }

    /// <summary>Whether a call whose method threw is sent again (a map chunk: whose item threw): only when the method asks for it.</summary>
    public static bool RetriesOnException(PendingCall call, CallScheduler scheduler) =>
        call.Method.RetryOnException && scheduler.TryRetry(call);

    /// <summary>What a call that the pool will never run fails with.</summary>
    public static ObjectDisposedException PoolShutDown() =>
        new(nameof(WorkerPool), "The pool shut down before the call was answered.");
}
