using System.Buffers;
using System.Net.Sockets;
using Offload.Protocol;
using Offload.Transport;

namespace Offload.Parent;

/// <summary>A worker's life: start, connect and warm up, stop or kill, and its death, whichever sign of it comes first.</summary>
internal sealed partial class WorkerHandle
{
    /// <summary>Starts the process and hands it the pool's secret on standard input.</summary>
    public void Start(PoolEndpoint endpoint)
    {
        // Under the worker's own lock, so that a pool stopping at this moment either sees the process or prevents it.
        lock (_lock)
        {
            if (_state != WorkerState.Starting)
            {
                throw new WorkerStartException($"Worker {Id} was not started: the pool is stopping.") { WorkerId = Id };
            }

            _process.Start();
        }

        _process.BeginIo(endpoint.Secret);
    }

    /// <summary>Takes over an authenticated connection; false if this worker is no longer waiting for one.</summary>
    public bool Attach(Socket socket)
    {
        FrameChannel channel;
        lock (_lock)
        {
            if (_state != WorkerState.Starting || _channel is not null)
            {
                return false;
            }

            channel = new FrameChannel(socket, _options.MaxFrameBytes, _pool.Metrics.OnBytesSent, _pool.Endpoint.SharedMemory?.LinkFor(Id));
            _channel = channel;
            _state = WorkerState.Serving;
        }

        _ = RunChannelAsync(channel);

        // Warm up before counting as ready: have the worker load every assembly with [RunInWorkerProcess] methods that
        // this process has loaded so far, then answer a ping. Its first real call then pays for no assembly loading.
        lock (_lock)
        {
            foreach (var assembly in WorkerPool.DispatcherAssemblies())
            {
                if (!SendLoadAssemblyLocked(channel, assembly))
                {
                    break;
                }
            }

            channel.TryEnqueue(FrameBuffer.CreateEmpty(FrameKind.Ping, WarmupPingId));
        }

        channel.Flush();
        return true;
    }

    /// <summary>Kills the worker as part of shutting the pool down: its running call fails as the pool's, not as a crash.</summary>
    public void KillForShutdown()
    {
        lock (_lock)
        {
            if (_state == WorkerState.Dead)
            {
                return;
            }

            _state = WorkerState.Stopping;
        }

        _process.Kill();
    }

    /// <summary>Kills the worker process (and anything it started) at once.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Asks the worker to finish and exit; kills it if it has not exited within the shutdown timeout.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        FrameChannel? channel;
        lock (_lock)
        {
            if (_state == WorkerState.Dead)
            {
                return;
            }

            _state = WorkerState.Stopping;
            channel = _channel;
        }

        if (!_process.HasStarted)
        {
            // Stopped between being registered and its process starting: there is no process to wait for.
            Terminate("stopped before it started");
            await Terminated.ConfigureAwait(false);
            return;
        }

        if (channel is null)
        {
            // Still starting: it has no calls to finish, and letting it connect only to be refused would make it report
            // a closed channel on its way out. It goes now.
            _process.Kill();
        }
        else
        {
            channel.TrySend(FrameBuffer.CreateEmpty(FrameKind.Shutdown, 0));
        }

        if (!await _process.WaitForExitAsync(timeout).ConfigureAwait(false))
        {
            _process.Kill();
        }

        Terminate("stopped by the pool");
        await Terminated.ConfigureAwait(false);
    }

    private async Task RunChannelAsync(FrameChannel channel)
    {
        string reason;
        try
        {
            await channel.RunAsync(this).ConfigureAwait(false);
            reason = "its channel closed";
        }
        catch (OffloadProtocolException ex)
        {
            // A worker that breaks the protocol cannot be trusted with more calls.
            reason = $"protocol error: {ex.Message}";
            _process.Kill();
        }
        catch (Exception ex)
        {
            reason = $"channel error: {ex.GetType().Name}: {ex.Message}";
        }

        Terminate(reason);
    }

    private void OnProcessExited()
    {
        // With a channel open, its end-of-file is the signal to act on: answers the worker sent just before it exited
        // are still in the socket and must be read first, or a finished call would be reported as the crashed one.
        // The delay is only a backstop in case the channel never reports.
        if (Volatile.Read(ref _channel) is null)
        {
            Terminate("its process exited before it connected");
        }
        else
        {
            _ = Task.Delay(TimeSpan.FromSeconds(5)).ContinueWith(
                static (_, state) => ((WorkerHandle)state!).Terminate("its process exited"),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>Runs once, whichever sign of death comes first: settles the running call, hands the rest back.</summary>
    private void Terminate(string reason)
    {
        List<PendingCall> calls;
        bool expected;
        lock (_lock)
        {
            if (_state == WorkerState.Dead)
            {
                return;
            }

            expected = _state == WorkerState.Stopping;
            _state = WorkerState.Dead;
            calls = _inFlight.TakeAll();
        }

        _channel?.Close();
        var running = CallOutcomes.RunningWhenDied(calls, Volatile.Read(ref _killedForCallId), out var timedOut);
        _pool.Roster.OnWorkerLost(this, running is null ? calls : calls.GetRange(1, calls.Count - 1), reason, expected);
        _ = FinishTerminationAsync(running, reason, expected, timedOut);
    }

    private async Task FinishTerminationAsync(PendingCall? running, string reason, bool expected, bool timedOut)
    {
        try
        {
            WorkerExit exit;
            try
            {
                exit = await _process.WaitForEndAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // How it ended could not be read. The worker is gone all the same: its call is settled by the same
                // rules (a retry, when allowed), with what is known.
                exit = WorkerExit.From(null, _process.StandardErrorTail());
                reason = $"{reason} (how its process ended could not be read: {ex.GetType().Name}: {ex.Message})";
            }

            if (!_connected.Task.IsCompleted)
            {
                _connected.TrySetException(new WorkerStartException(
                    $"Worker {Id} exited before it connected to the pool ({exit.Describe()}).{exit.FormatTail()}")
                {
                    WorkerId = Id,
                    StandardErrorTail = exit.StandardErrorTail,
                });
                _ = _connected.Task.Exception;
            }

            if (running is not null)
            {
                var timeout = running.Method.Timeout ?? _options.CallTimeout ?? TimeSpan.Zero;
                CallOutcomes.SettleRunningCall(running, new WorkerDeath(Id, ProcessId, reason, exit, expected, timedOut, timeout), _pool.Scheduler);
            }
        }
        catch (Exception ex)
        {
            // Settling the call failed (a bug): it must not wait forever.
            if (running is not null)
            {
                CallOutcomes.FailRunningCall(running, Id, reason, ex);
            }
        }
        finally
        {
            try
            {
                if (_channel is { } channel)
                {
                    await channel.DisposeAsync().ConfigureAwait(false);
                }

                _process.Dispose();
            }
            finally
            {
                // Whatever cleaning up threw, a StopAsync (and so a pool's dispose) waits on this: it must complete.
                _terminated.TrySetResult();
            }
        }
    }

    /// <summary>A <c>[WorkerInitializer]</c> threw while the worker warmed up: it will never serve, and retrying will not help.</summary>
    private void FailWarmup(in ReadOnlySequence<byte> body)
    {
        var error = ReadMessage<RemoteError>(body, "error while warming up") ?? RemoteError.Unknown;
        var remote = new RemoteInvocationException("[WorkerInitializer]", Id, error);
        _connected.TrySetException(new WorkerStartException($"A [WorkerInitializer] method threw in worker {Id}: {error.TypeName}: {error.Message}", remote)
        {
            WorkerId = Id,
            IsPermanent = true,
        });
        _ = _connected.Task.Exception;
    }
}
