using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using MemoryPack;
using Offload.Protocol;
using Offload.Transport;

namespace Offload.Parent;

/// <summary>
/// The parent's handle on one worker process: the process itself, its channel, and the calls sent to it that are not
/// answered yet, in the order they were sent. The worker runs calls one at a time in that order, so when it dies the
/// oldest unanswered call is the one that was running; the others never started and go back to the pool.
/// </summary>
internal sealed class WorkerHandle : IFrameHandler
{
    private const int StateStarting = 0;
    private const int StateReady = 1;
    private const int StateStopping = 2;
    private const int StateDead = 3;

    /// <summary>The id of the ping that ends a worker's warm-up; call ids start at 1, so it is never a call's.</summary>
    private const long WarmupPingId = 0;

    private readonly WorkerPool _pool;
    private readonly Process _process;
    private readonly WorkerPoolOptions _options;
    private readonly OutputTail _stderrTail;
    private readonly Lock _lock = new();
    private readonly OrderedDictionary<long, PendingCall> _inFlight = [];
    private readonly HashSet<Assembly> _loadedAssemblies = [];
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FrameChannel? _channel;
    private int _state;
    private int _terminating;
    private bool _refusing;
    private long _callsCompleted;
    private long _headSince;
    private int _processId;
    private bool _processStarted;
    private long _averageServiceTicks;
    private long _killedForCallId = -1;
    private string? _recycleReason;

    private WorkerHandle(WorkerPool pool, int id, int slot, Process process, WorkerPoolOptions options)
    {
        _pool = pool;
        Id = id;
        Slot = slot;
        _process = process;
        _options = options;
        _stderrTail = new OutputTail(options.StandardErrorTailLines);
    }

    public int Id { get; }

    public int Slot { get; }

    public int ProcessId
    {
        get => Volatile.Read(ref _processId);
        private set => Volatile.Write(ref _processId, value);
    }

    /// <summary>Calls assigned to this worker and not yet answered; maintained by the pool under its lock.</summary>
    public int Outstanding { get; set; }

    /// <summary>Calls ever assigned to this worker; maintained by the pool under its lock (for <see cref="WorkerPoolOptions.MaxCallsPerWorker"/>).</summary>
    public int CallsAssigned { get; set; }

    /// <summary>
    /// How many calls the pool may have outstanding on this worker when <see cref="WorkerPoolOptions.Prefetch"/> is
    /// automatic: one running plus enough queued to cover a round trip to the parent. Calls of a few microseconds need
    /// dozens in flight or the worker idles between them; calls of milliseconds need none queued, and queueing them
    /// would only strand work behind a long call while another worker sits idle.
    /// </summary>
    public int AdaptiveWindow
    {
        get
        {
            var average = Volatile.Read(ref _averageServiceTicks);
            if (average == 0)
            {
                return 2;
            }

            var microseconds = average * 1_000_000 / Stopwatch.Frequency;
            return microseconds switch
            {
                < 25 => 64,
                < 100 => 16,
                < 400 => 4,
                < 2_000 => 2,
                _ => 1,
            };
        }
    }

    /// <summary>True once the pool retired this worker: it gets no more calls, finishes the ones it has, then stops.</summary>
    public bool IsRetiring { get; set; }

    /// <summary>Why the pool killed this worker on purpose (a timeout, an ignored cancellation); null if it did not.</summary>
    public string? RecycleReason => Volatile.Read(ref _recycleReason);

    /// <summary>True while the worker takes calls: connected, not stopping, and its channel still accepts frames.</summary>
    public bool IsReady => Volatile.Read(ref _state) == StateReady && !Volatile.Read(ref _refusing) && RecycleReason is null;

    /// <summary>Completes when the worker has connected, said a valid hello and warmed up; faults if it dies first.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes once the worker is gone and its calls were failed or handed back.</summary>
    public Task Terminated => _terminated.Task;

    public WorkerInfo Snapshot()
    {
        lock (_lock)
        {
            return new WorkerInfo(Id, ProcessId, Interlocked.Read(ref _callsCompleted), _inFlight.Count);
        }
    }

    /// <summary>Creates the worker's handle; <see cref="Start"/> starts its process.</summary>
    public static WorkerHandle Create(WorkerPool pool, int id, int slot, WorkerLauncher launcher, PoolEndpoint endpoint, WorkerPoolOptions options)
    {
        var process = new Process { StartInfo = launcher.CreateStartInfo(id, endpoint.SocketPath, options), EnableRaisingEvents = true };
        var worker = new WorkerHandle(pool, id, slot, process, options);
        process.OutputDataReceived += (_, e) => worker.OnOutput(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => worker.OnOutput(e.Data, isError: true);
        process.Exited += (_, _) => worker.OnProcessExited();
        return worker;
    }

    /// <summary>Starts the process and hands it the pool's secret on standard input.</summary>
    public void Start(PoolEndpoint endpoint)
    {
        // Under the worker's own lock, so that a pool stopping at this moment either sees the process or prevents it.
        lock (_lock)
        {
            if (_state != StateStarting)
            {
                throw new WorkerStartException($"Worker {Id} was not started: the pool is stopping.") { WorkerId = Id };
            }

            if (!_process.Start())
            {
                throw new WorkerStartException($"Worker {Id} could not be started.") { WorkerId = Id };
            }

            _processStarted = true;
        }

        ProcessId = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // The secret goes through the pipe, never the command line or environment, which other tools can list.
        // Standard input stays open afterwards: its end-of-file is how the worker learns that we died.
        _process.StandardInput.WriteLine(Convert.ToBase64String(endpoint.Secret));
        _process.StandardInput.Flush();
    }

    /// <summary>Takes over an authenticated connection; false if this worker is no longer waiting for one.</summary>
    public bool Attach(Socket socket)
    {
        FrameChannel channel;
        lock (_lock)
        {
            if (_state != StateStarting || _channel is not null)
            {
                return false;
            }

            channel = new FrameChannel(socket, _options.MaxFrameBytes);
            _channel = channel;
            _state = StateReady;
        }

        _ = RunChannelAsync(channel);

        // Warm up before counting as ready: have the worker load every assembly with [RunInWorkerProcess] methods that
        // this process has loaded so far, then answer a ping. Its first real call then pays for no assembly loading.
        lock (_lock)
        {
            foreach (var assembly in _pool.DispatcherAssemblies())
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

    /// <summary>Sends a call; false when the worker can no longer take it (the pool then gives it to another).</summary>
    public bool TrySend(PendingCall call)
    {
        FrameChannel channel;
        bool idle;
        lock (_lock)
        {
            if (_state != StateReady || _channel is null)
            {
                return false;
            }

            channel = _channel;

            // Sent on the same ordered channel just before the call, so the worker has it loaded in time.
            if (!SendLoadAssemblyLocked(_channel, call.Method.Assembly))
            {
                // The channel closed: this worker is on its way out and must not be picked again.
                Volatile.Write(ref _refusing, true);
                return false;
            }

            idle = _inFlight.Count == 0;
            if (idle)
            {
                _headSince = Stopwatch.GetTimestamp();
            }

            _inFlight.Add(call.CallId, call);
            call.Worker = this;
            call.IsWritten = false;
            if (!channel.TryEnqueue(call))
            {
                _inFlight.Remove(call.CallId);
                call.Worker = null;
                Volatile.Write(ref _refusing, true);
                return false;
            }
        }

        // Written outside the lock: the writing thread may run callbacks (a call canceled meanwhile) that take locks.
        // A call to an idle worker is written on this thread at once: its latency is the caller's. A call to a busy
        // worker waits for the worker anyway, so it is left to a background write that also takes the calls queued
        // after it: under load, many calls then leave in one system call.
        if (idle)
        {
            channel.Flush();
        }
        else
        {
            channel.FlushDeferred();
        }

        return true;
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000:Avoid accessing Assembly file path when publishing as a single file",
        Justification = "The location is only a fallback for assemblies outside the app's deps.json; in a single-file or NativeAOT app it is empty and not sent.")]
    private bool SendLoadAssemblyLocked(FrameChannel channel, Assembly assembly)
    {
        if (_loadedAssemblies.Contains(assembly))
        {
            return true;
        }

        var load = FrameBuffer.Create();
        new LoadAssemblyMessage { FullName = assembly.FullName!, Location = assembly.Location is { Length: > 0 } location ? location : null }.Write(load);
        load.Seal(FrameKind.LoadAssembly, 0);
        if (!channel.TryEnqueue(load))
        {
            return false;
        }

        _loadedAssemblies.Add(assembly);
        return true;
    }

    /// <summary>Asks the worker to cancel a call it was sent.</summary>
    public void SendCancel(PendingCall call)
    {
        FrameChannel? channel = null;
        lock (_lock)
        {
            if (_channel is not null && _inFlight.ContainsKey(call.CallId) && _channel.TryEnqueue(FrameBuffer.CreateEmpty(FrameKind.Cancel, call.CallId)))
            {
                channel = _channel;
            }
        }

        channel?.Flush();
    }

    public void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> body)
    {
        switch (header.Kind)
        {
            case FrameKind.Result:
            case FrameKind.Error:
            case FrameKind.Canceled:
                if (header.CallId == WarmupPingId && header.Kind == FrameKind.Error && !_connected.Task.IsCompleted)
                {
                    FailWarmup(body);
                    break;
                }

                PendingCall? call;
                lock (_lock)
                {
                    if (!RemoveInFlightLocked(header.CallId, out call))
                    {
                        throw new OffloadProtocolException($"Worker {Id} answered call {header.CallId}, which it was not running.");
                    }
                }

                Interlocked.Increment(ref _callsCompleted);
                try
                {
                    Complete(call, header.Kind, body);
                }
                catch (Exception ex)
                {
                    // The call is no longer in flight, so the worker's death would not reach it: fail it here.
                    call.TryFail(ex as OffloadException ?? new OffloadProtocolException($"Worker {Id} sent an unreadable answer for call {call.CallId}.", ex));
                    throw;
                }
                finally
                {
                    _pool.OnCallFinished(this);
                }

                break;
            case FrameKind.Pong when header.CallId == WarmupPingId:
                _connected.TrySetResult();
                break;
            case FrameKind.Retire:
                string reason;
                try
                {
                    reason = MemoryPackSerializer.Deserialize<string>(body) ?? "no reason given";
                }
                catch (Exception ex)
                {
                    throw new OffloadProtocolException($"Worker {Id} sent an unreadable retire request.", ex);
                }

                _pool.OnRetireRequested(this, reason);
                break;
            case FrameKind.Pong:
            case FrameKind.Progress:
            case FrameKind.StreamItem:
            case FrameKind.StreamEnd:
            case FrameKind.Log:
                // Reserved for later features; accepted and ignored so that newer workers stay compatible.
                break;
            default:
                throw new OffloadProtocolException($"Unexpected frame kind {(byte)header.Kind} from worker {Id}.");
        }
    }

    public void OnCallSkipped(PendingCall call)
    {
        bool removed;
        lock (_lock)
        {
            removed = RemoveInFlightLocked(call.CallId, out _);
        }

        if (removed)
        {
            _pool.OnCallFinished(this);
        }
    }

    /// <summary>
    /// Enforces the head call's limits; called by the pool's supervisor a few times a second. The head of the in-flight
    /// list is the call the worker is running (it runs them in order), and has been since <see cref="_headSince"/>.
    /// A head call past its timeout, or canceled and still running after the grace period, gets the worker killed:
    /// nothing else stops code that does not return. The call's outcome is settled once the worker is dead (see
    /// <see cref="Terminate"/>), so that a retried call never runs twice at the same time.
    /// </summary>
    public void CheckDeadlines(long now)
    {
        string? reason = null;
        lock (_lock)
        {
            if (_state != StateReady || _recycleReason is not null || _inFlight.Count == 0)
            {
                return;
            }

            var head = _inFlight.GetAt(0).Value;
            if (head.IsCompleted)
            {
                var since = Math.Max(head.CanceledAt, _headSince);
                if (Stopwatch.GetElapsedTime(since, now) > _options.CancellationGracePeriod)
                {
                    reason = $"it kept running {head.Method.DisplayName} for {_options.CancellationGracePeriod.TotalSeconds:0.###} s after the call was canceled";
                }
            }
            else if ((head.Method.Timeout ?? _options.CallTimeout) is { } timeout && Stopwatch.GetElapsedTime(_headSince, now) > timeout)
            {
                _killedForCallId = head.CallId;
                reason = $"{head.Method.DisplayName} ran past its timeout of {timeout.TotalSeconds:0.###} s";
            }

            if (reason is not null)
            {
                _recycleReason = reason;
            }
        }

        if (reason is not null)
        {
            Kill();
        }
    }

    /// <summary>Kills the worker as part of shutting the pool down: its running call fails as the pool's, not as a crash.</summary>
    public void KillForShutdown()
    {
        lock (_lock)
        {
            if (_state == StateDead)
            {
                return;
            }

            _state = StateStopping;
        }

        Kill();
    }

    /// <summary>Asks the worker to finish and exit; kills it if it has not exited within the shutdown timeout.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        FrameChannel? channel;
        lock (_lock)
        {
            if (_state == StateDead)
            {
                return;
            }

            _state = StateStopping;
            channel = _channel;
            if (!_processStarted)
            {
                channel = null;
            }
        }

        if (!_processStarted)
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
            Kill();
        }
        else
        {
            channel.TrySend(FrameBuffer.CreateEmpty(FrameKind.Shutdown, 0));
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
        }

        Terminate("stopped by the pool");
        await Terminated.ConfigureAwait(false);
    }

    /// <summary>Kills the worker process (and anything it started) at once.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already exited.
        }
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
            Kill();
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

    private void OnOutput(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        if (isError)
        {
            _stderrTail.Add(line);
        }

        try
        {
            if (_options.WorkerOutput is { } sink)
            {
                sink(new WorkerOutputLine(Id, line, isError));
            }
            else
            {
                (isError ? Console.Error : Console.Out).WriteLine($"[worker {Id}] {line}");
            }
        }
        catch (Exception ex)
        {
            // This runs on the process's output-reader thread, where an exception would end the whole application.
            _pool.OnOutputSinkFailed(Id, ex);
        }
    }

    /// <summary>Runs once, whichever sign of death comes first: fails the running call, hands the rest back.</summary>
    private void Terminate(string reason)
    {
        if (Interlocked.Exchange(ref _terminating, 1) != 0)
        {
            return;
        }

        List<PendingCall> calls;
        bool expected;
        lock (_lock)
        {
            expected = _state == StateStopping;
            _state = StateDead;
            calls = [.. _inFlight.Values];
            _inFlight.Clear();
        }

        _channel?.Close();

        // The pool killed this worker because its head call ran past its timeout: that call's outcome is the timeout
        // (or a retry), and the calls behind it had not started.
        if (calls.Count > 0 && calls[0].CallId == Volatile.Read(ref _killedForCallId))
        {
            var timedOut = calls[0];
            _pool.OnWorkerLost(this, calls.GetRange(1, calls.Count - 1), reason, expected);
            _ = FinishTerminationAsync(timedOut, reason, expected, timedOut: true);
            return;
        }

        // The worker ran its calls one at a time in the order they were written, so the oldest unanswered call was the
        // one running. A call whose frame was never flushed to the socket cannot have run: it goes to another worker
        // with the rest. That holds only once per call: the flag is set just after the flush returns, and a call that
        // kills its worker within that instant must not get to kill worker after worker.
        PendingCall? running = null;
        if (calls.Count > 0)
        {
            var head = calls[0];
            if (head.IsWritten || head.UnconfirmedDeaths > 0)
            {
                running = head;
            }
            else
            {
                head.UnconfirmedDeaths++;
            }
        }

        _pool.OnWorkerLost(this, running is null ? calls : calls.GetRange(1, calls.Count - 1), reason, expected);
        _ = FinishTerminationAsync(running, reason, expected, timedOut: false);
    }

    private async Task FinishTerminationAsync(PendingCall? running, string reason, bool expected, bool timedOut)
    {
        try
        {
            // Give the process a moment to exit, so the report can say how it ended, and its stderr to drain.
            var started = Volatile.Read(ref _processStarted);
            try
            {
                if (started)
                {
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }

            var exitCode = started && _process.HasExited ? _process.ExitCode : (int?)null;
            int? signal = !OperatingSystem.IsWindows() && exitCode is > 128 and < 128 + 65 ? exitCode - 128 : null;
            var stderr = _stderrTail.Snapshot();
            if (!_connected.Task.IsCompleted)
            {
                _connected.TrySetException(new WorkerStartException(
                    $"Worker {Id} exited before it connected to the pool ({DescribeExit(exitCode, signal)}).{FormatTail(stderr)}")
                {
                    WorkerId = Id,
                    StandardErrorTail = stderr,
                });
                _ = _connected.Task.Exception;
            }

            if (running is not null && timedOut)
            {
                var timeout = running.Method.Timeout ?? _options.CallTimeout ?? TimeSpan.Zero;
                if (!_pool.TryRetry(running))
                {
                    running.TryFail(new CallTimeoutException(
                        $"{running.Method.DisplayName} did not finish within its timeout of {timeout.TotalSeconds:0.###} s; worker {Id} (pid {ProcessId}) was killed and replaced.")
                    {
                        MethodName = running.Method.DisplayName,
                        WorkerId = Id,
                        Timeout = timeout,
                    });
                }
            }
            else if (running is not null && !expected)
            {
                if (running.IsCompleted || !_pool.TryRetry(running))
                {
                    running.TryFail(new WorkerCrashedException(
                        $"Worker {Id} (pid {ProcessId}) died while running {running.Method.DisplayName}: {reason}, {DescribeExit(exitCode, signal)}.{FormatTail(stderr)}")
                    {
                        MethodName = running.Method.DisplayName,
                        WorkerId = Id,
                        ExitCode = exitCode,
                        Signal = signal,
                        StandardErrorTail = stderr,
                    });
                }
            }
            else
            {
                running?.TryFail(new ObjectDisposedException(nameof(WorkerPool), "The pool shut down before the call was answered."));
            }
        }
        catch (Exception ex)
        {
            running?.TryFail(new WorkerCrashedException($"Worker {Id} died while running {running.Method.DisplayName}: {reason}.", ex)
            {
                MethodName = running.Method.DisplayName,
                WorkerId = Id,
            });
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

    /// <summary>Removes an answered call; if it was the head, the next call starts running now.</summary>
    private bool RemoveInFlightLocked(long callId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PendingCall? call)
    {
        var wasHead = _inFlight.Count > 0 && _inFlight.GetAt(0).Key == callId;
        if (!_inFlight.Remove(callId, out call))
        {
            return false;
        }

        if (wasHead)
        {
            // The next call starts now. How long this one ran feeds the average that sizes the prefetch window.
            var now = Stopwatch.GetTimestamp();
            var ran = now - _headSince;
            _averageServiceTicks = _averageServiceTicks == 0 ? ran : ((_averageServiceTicks * 7) + ran) / 8;
            _headSince = now;
        }

        return true;
    }

    /// <summary>A <c>[WorkerInitializer]</c> threw while the worker warmed up: it will never serve, and retrying will not help.</summary>
    private void FailWarmup(in ReadOnlySequence<byte> body)
    {
        RemoteError error;
        try
        {
            error = MemoryPackSerializer.Deserialize<RemoteError>(body) ?? RemoteError.Unknown;
        }
        catch (Exception ex)
        {
            throw new OffloadProtocolException($"Worker {Id} sent an unreadable error while warming up.", ex);
        }

        var remote = new RemoteInvocationException("[WorkerInitializer]", Id, error);
        _connected.TrySetException(new WorkerStartException($"A [WorkerInitializer] method threw in worker {Id}: {error.TypeName}: {error.Message}", remote)
        {
            WorkerId = Id,
            IsPermanent = true,
        });
        _ = _connected.Task.Exception;
    }

    private static string DescribeExit(int? exitCode, int? signal) => exitCode switch
    {
        null => "it did not exit and was killed",
        _ when signal is { } s => string.Create(CultureInfo.InvariantCulture, $"exit code {exitCode} (signal {s}{SignalName(s)})"),
        _ => string.Create(CultureInfo.InvariantCulture, $"exit code {exitCode}"),
    };

    private static string SignalName(int signal) => signal switch
    {
        2 => ", SIGINT",
        4 => ", SIGILL",
        6 => ", SIGABRT",
        7 => ", SIGBUS",
        9 => ", SIGKILL",
        11 => ", SIGSEGV",
        15 => ", SIGTERM",
        _ => "",
    };

    private static string FormatTail(string[] lines) =>
        lines.Length == 0 ? "" : " Last lines of its standard error:" + Environment.NewLine + string.Join(Environment.NewLine, lines);

    private void Complete(PendingCall call, FrameKind kind, in ReadOnlySequence<byte> body)
    {
        switch (kind)
        {
            case FrameKind.Result:
                call.CompleteFromResult(body);
                break;
            case FrameKind.Error:
                RemoteError? error;
                try
                {
                    error = MemoryPackSerializer.Deserialize<RemoteError>(body);
                }
                catch (Exception ex)
                {
                    throw new OffloadProtocolException($"Worker {Id} sent an unreadable error for call {call.CallId}.", ex);
                }

                error ??= RemoteError.Unknown;
                if (call.Method.RetryOnException && _pool.TryRetry(call))
                {
                    break;
                }

                call.TryFail(error.TypeName == typeof(PayloadTooLargeException).FullName
                    ? new PayloadTooLargeException($"The result of {call.Method.DisplayName}: {error.Message}") { MethodName = call.Method.DisplayName, WorkerId = Id, MaxFrameBytes = _options.MaxFrameBytes }
                    : new RemoteInvocationException(call.Method.DisplayName, Id, error));
                break;
            default:
                call.TryCancel(CancellationToken.None);
                break;
        }
    }
}
