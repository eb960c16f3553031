namespace Offload.Parent;

/// <summary>Where a worker is in its life, as its handle in the parent sees it.</summary>
/// <remarks>
/// Starting → Serving → (Retiring) → Stopping → Dead is the planned path. A Serving or Retiring worker whose channel
/// refuses a frame becomes Broken, and one the supervisor kills for a late call becomes Recycling; both end Dead
/// once its process or channel reports. Only a Serving worker takes calls.
/// </remarks>
internal enum WorkerState
{
    /// <summary>Registered; its process is starting and has not connected yet.</summary>
    Starting,

    /// <summary>Connected: it warms up, then takes calls.</summary>
    Serving,

    /// <summary>The pool gives it no more calls; it finishes the ones it has, then the pool stops it.</summary>
    Retiring,

    /// <summary>Its channel refused a frame: it is on its way out and takes no calls.</summary>
    Broken,

    /// <summary>The pool killed it on purpose (a call past its timeout or cancellation grace period).</summary>
    Recycling,

    /// <summary>The pool is stopping it: its death is expected.</summary>
    Stopping,

    /// <summary>Gone; its calls were settled or handed back.</summary>
    Dead,
}
