using System.Buffers;
using Offload.CompilerServices;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>A call that returns a value of type <typeparamref name="TResult"/>.</summary>
internal sealed class PendingCall<TResult> : PendingCall
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingCall(MethodDescriptor method, FrameBuffer frame, long callId)
        : base(method, frame, callId)
    {
    }

    public Task Task => _completion.Task;

    public Task<TResult> TypedTask => _completion.Task;

    protected override void SetResultFrom(in ReadOnlySequence<byte> body)
    {
        var result = FrameBody.Read<TResult>(body);
        if (TryMarkCompleted())
        {
            CountSuccess();
            if (Progress is null)
            {
                _completion.SetResult(result!);
            }
            else
            {
                SetResultAfterLastReport(result!);
            }
        }
    }

    /// <summary>
    /// A method of its own so that the closure exists only on this path: a lambda in <see cref="SetResultFrom"/> would
    /// capture the result there, and C# allocates a captured local's closure where the local is declared, for every call.
    /// </summary>
    private void SetResultAfterLastReport(TResult result) => AfterLastReport(() => _completion.SetResult(result));

    protected override void SetException(Exception exception)
    {
        if (Progress is null)
        {
            _completion.SetException(exception);
        }
        else
        {
            FailAfterLastReport(exception);
        }
    }

    protected override void SetCanceled(CancellationToken cancellationToken)
    {
        if (Progress is null)
        {
            _completion.SetCanceled(cancellationToken);
        }
        else
        {
            CancelAfterLastReport(cancellationToken);
        }
    }

    // Their own methods, so that only calls with progress allocate the closures (see SetResultAfterLastReport).
    private void FailAfterLastReport(Exception exception) => AfterLastReport(() => _completion.SetException(exception));

    private void CancelAfterLastReport(CancellationToken cancellationToken) => AfterLastReport(() => _completion.SetCanceled(cancellationToken));
}
