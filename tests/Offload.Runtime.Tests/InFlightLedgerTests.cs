using Offload.CompilerServices;
using Offload.Parent;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>A worker's ledger of calls in flight, without workers: order, lookups and removals anywhere in its ring.</summary>
public sealed class InFlightLedgerTests
{
    private static readonly MethodDescriptor Method = new(typeof(InFlightLedgerTests), 1, "InFlightLedgerTests.Call");

    [Fact]
    public void Answers_in_order_remove_the_head_and_the_next_call_becomes_the_head()
    {
        var ledger = new InFlightLedger();
        var calls = Calls(1, 2, 3);
        Assert.True(ledger.Add(calls[0]));
        Assert.False(ledger.Add(calls[1]));
        Assert.False(ledger.Add(calls[2]));

        Assert.True(ledger.TryRemove(1, out var removed));
        Assert.Same(calls[0], removed);
        Assert.Same(calls[1], ledger.Head);
        Assert.Equal(2, ledger.Count);
        Assert.False(ledger.TryRemove(1, out _));
    }

    [Fact]
    public void A_call_removed_from_the_middle_keeps_the_others_in_order_across_the_wrap_and_growth()
    {
        var ledger = new InFlightLedger();

        // Moves the head along the ring first, so that the calls below wrap around its end and then make it grow.
        foreach (var call in Calls(100, 101, 102))
        {
            ledger.Add(call);
            Assert.True(ledger.TryRemove(call.CallId, out _));
        }

        var calls = Calls(1, 2, 3, 4, 5, 6);
        foreach (var call in calls)
        {
            ledger.Add(call);
        }

        // A retried call comes back with an older id behind newer ones: lookups go by id, not by order of ids.
        var retried = Calls(0)[0];
        ledger.Add(retried);

        Assert.True(ledger.TryRemove(3, out var middle));
        Assert.Same(calls[2], middle);
        ledger.Withdraw(0);
        Assert.True(ledger.Contains(6));
        Assert.False(ledger.Contains(3));
        Assert.True(ledger.TryGet(5, out var found));
        Assert.Same(calls[4], found);

        Assert.Equal([1, 2, 4, 5, 6], ledger.TakeAll().Select(c => c.CallId));
        Assert.Equal(0, ledger.Count);
        Assert.Null(ledger.Head);
    }

    private static PendingCall[] Calls(params long[] ids) =>
        ids.Select(id => (PendingCall)new PendingVoidCall(Method, FrameBuffer.CreateCall(Method.Id), id)).ToArray();
}
