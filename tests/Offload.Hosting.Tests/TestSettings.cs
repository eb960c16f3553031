// Each test starts a host whose pool becomes WorkerPool.Shared while it runs, and counts the calls and crashes of its
// own pool: hosts running side by side would take each other's calls made without a pool. One at a time, then.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
