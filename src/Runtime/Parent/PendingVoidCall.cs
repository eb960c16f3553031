using System.Buffers;
using Offload.CompilerServices;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>A call with no result.</summary>
internal sealed class PendingVoidCall : PendingCall
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingVoidCall(MethodDescriptor method, FrameBuffer frame, long callId)
        : base(method, frame, callId)
    {
    }

    public Task Task => _completion.Task;

    protected override void SetResultFrom(in ReadOnlySequence<byte> body)
    {
        if (TryMarkCompleted())
        {
            CountSuccess();
            if (Progress is null)
            {
                _completion.SetResult();
            }
            else
            {
                AfterLastReport(_completion.SetResult);
            }
        }
    }

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
