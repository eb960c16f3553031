using Microsoft.Extensions.Logging;
using System.Diagnostics;
using Offload.Protocol;

namespace Offload.Parent;

/// <summary>
/// The operating-system process of one worker: starting it and handing it the pool's secret, its output (to the
/// pool's sink or the console, and a tail of standard error for reports), killing it and its process group, and how
/// it ended.
/// </summary>
/// <remarks>
/// That the worker exited is read from the process itself (its wait status, as <see cref="Process.Exited"/> reports
/// it), never from the end of its output: a process the worker started inherits its standard output and error and can
/// hold them open long after the worker died. Such processes are in the worker's process group
/// (<see cref="WorkerProcessGroup"/>), which is killed once the worker is gone; only then is the rest of its output
/// awaited, for a short while.
/// </remarks>
internal sealed class WorkerProcess : IDisposable
{
    /// <summary>How long a worker is given to exit before it is killed, and then again to be reaped, for a report.</summary>
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the rest of a dead worker's output is awaited once its group is killed: end-of-file comes at once,
    /// unless a process it started left the group and still holds the pipes (the report then goes without the rest).
    /// </summary>
    private static readonly TimeSpan OutputDrainWait = TimeSpan.FromSeconds(1);

    private readonly Process _process;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _outputEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _workerId;
    private readonly OutputTail _stderrTail;
    private readonly Action<WorkerOutputLine>? _sink;
    private readonly ILogger? _outputLogger;
    private readonly Action<int, Exception> _onSinkFailed;
    private int _processId;
    private bool _started;

    /// <param name="workerId">The worker's id, for output prefixes and reports.</param>
    /// <param name="startInfo">How to start it (see <see cref="WorkerLauncher"/>).</param>
    /// <param name="options">The pool's options: output sink and how much standard error to keep.</param>
    /// <param name="onExited">Called once the process has exited (whatever still holds its output), on a thread of the runtime's.</param>
    /// <param name="onSinkFailed">Called when the output sink throws, which must never end the application.</param>
    public WorkerProcess(int workerId, ProcessStartInfo startInfo, WorkerPoolOptions options, Action onExited, Action<int, Exception> onSinkFailed)
    {
        _workerId = workerId;
        _stderrTail = new OutputTail(options.StandardErrorTailLines);
        _sink = options.WorkerOutput;

        // With a logger factory and no sink of its own, the pool logs worker output rather than printing it.
        _outputLogger = options.WorkerOutput is null ? options.LoggerFactory?.CreateLogger(WorkerPoolOptions.WorkerOutputCategory) : null;
        _onSinkFailed = onSinkFailed;
        _process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data, isError: false);
        _process.ErrorDataReceived += (_, e) => OnOutput(e.Data, isError: true);
        _process.Exited += (_, _) =>
        {
            _exited.TrySetResult();
            onExited();
        };
    }

    /// <summary>The process id, once started; 0 before.</summary>
    public int ProcessId => Volatile.Read(ref _processId);

    /// <summary>True once the process was started (it may have exited since).</summary>
    public bool HasStarted => Volatile.Read(ref _started);

    /// <summary>Starts the process; the caller then calls <see cref="BeginIo"/>, outside any lock.</summary>
    public void Start()
    {
        if (!_process.Start())
        {
            throw new WorkerStartException($"Worker {_workerId} could not be started.") { WorkerId = _workerId };
        }

        Volatile.Write(ref _started, true);
        Volatile.Write(ref _processId, _process.Id);
    }

    /// <summary>Starts reading its output, and hands it the pool's secret on standard input.</summary>
    public void BeginIo(byte[] secret)
    {
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // The secret goes through the pipe, never the command line or environment, which other tools can list.
        // Standard input stays open afterwards: its end-of-file is how the worker learns that we died.
        _process.StandardInput.WriteLine(Convert.ToBase64String(secret));
        _process.StandardInput.Flush();
    }

    /// <summary>Kills the process and anything it started at once; nothing happens if it already exited.</summary>
    public void Kill()
    {
        if (!HasStarted)
        {
            return;
        }

        try
        {
            // The tree first: it follows parent links, so it also finds children that left the worker's group, which
            // would be handed to init (and so lost to it) once the worker is dead.
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or AggregateException)
        {
            // Already exited, or a process of the tree could not be killed: its group still can.
        }

        // Then the group: the worker's descendants whose parent already exited (a shell that started something in the
        // background, say) are no longer in its tree.
        KillGroup();
    }

    /// <summary>
    /// Kills whatever the worker started and left in its process group; for a worker that has exited (its group
    /// outlives it as long as one of its members lives).
    /// </summary>
    public void KillGroup()
    {
        if (HasStarted)
        {
            WorkerProcessGroup.Kill(ProcessId);
        }
    }

    /// <summary>
    /// Waits for the process to exit; false if it has not within <paramref name="timeout"/>. Whether its output has
    /// ended does not matter (see the remarks on the class).
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Gives the process a moment to exit (killing it if it does not), so that the report can say how it ended; kills
    /// its process group; and gives its standard error a moment to drain, so that the report has its last lines.
    /// </summary>
    public async Task<WorkerExit> WaitForEndAsync()
    {
        if (!HasStarted)
        {
            return WorkerExit.From(null, _stderrTail.Snapshot());
        }

        if (!await WaitForExitAsync(ExitWait).ConfigureAwait(false))
        {
            Kill();
            await WaitForExitAsync(ExitWait).ConfigureAwait(false);
        }

        // The exit status comes from the process (reaped by now), not from the end of its output.
        int? exitCode = _exited.Task.IsCompleted ? _process.ExitCode : null;

        // Whatever it started goes with it; that also closes the pipes they inherited, so its output ends now.
        KillGroup();
        try
        {
            await Task.WhenAll(_outputEnded.Task, _errorEnded.Task).WaitAsync(OutputDrainWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A process that left the group still holds its output: report what arrived so far.
        }

        return WorkerExit.From(exitCode, _stderrTail.Snapshot());
    }

    /// <summary>The last lines the worker wrote to standard error.</summary>
    public string[] StandardErrorTail() => _stderrTail.Snapshot();

    public void Dispose() => _process.Dispose();

    private void OnOutput(string? line, bool isError)
    {
        if (line is null)
        {
            // End-of-file: every process that held the pipe has closed it.
            (isError ? _errorEnded : _outputEnded).TrySetResult();
            return;
        }

        if (isError)
        {
            _stderrTail.Add(line);
        }

        try
        {
            if (_sink is { } sink)
            {
                sink(new WorkerOutputLine(_workerId, line, isError));
            }
            else if (_outputLogger is { } logger)
            {
                if (isError)
                {
                    Log.WorkerStandardError(logger, _workerId, line);
                }
                else
                {
                    Log.WorkerStandardOutput(logger, _workerId, line);
                }
            }
            else
            {
                (isError ? Console.Error : Console.Out).WriteLine($"[worker {_workerId}] {line}");
            }
        }
        catch (Exception ex)
        {
            // This runs on the process's output-reader thread, where an exception would end the whole application.
            _onSinkFailed(_workerId, ex);
        }
    }
}
