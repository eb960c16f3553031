using System.Diagnostics;

namespace Offload.Parent;

/// <summary>
/// The operating-system process of one worker: starting it and handing it the pool's secret, its output (to the
/// pool's sink or the console, and a tail of standard error for reports), killing it, and how it ended.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly int _workerId;
    private readonly OutputTail _stderrTail;
    private readonly Action<WorkerOutputLine>? _sink;
    private readonly Action<int, Exception> _onSinkFailed;
    private int _processId;
    private bool _started;

    /// <param name="workerId">The worker's id, for output prefixes and reports.</param>
    /// <param name="startInfo">How to start it (see <see cref="WorkerLauncher"/>).</param>
    /// <param name="options">The pool's options: output sink and how much standard error to keep.</param>
    /// <param name="onExited">Called once the process has exited, on a thread of the runtime's.</param>
    /// <param name="onSinkFailed">Called when the output sink throws, which must never end the application.</param>
    public WorkerProcess(int workerId, ProcessStartInfo startInfo, WorkerPoolOptions options, Action onExited, Action<int, Exception> onSinkFailed)
    {
        _workerId = workerId;
        _stderrTail = new OutputTail(options.StandardErrorTailLines);
        _sink = options.WorkerOutput;
        _onSinkFailed = onSinkFailed;
        _process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data, isError: false);
        _process.ErrorDataReceived += (_, e) => OnOutput(e.Data, isError: true);
        _process.Exited += (_, _) => onExited();
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

    /// <summary>Kills the process (and anything it started) at once; nothing happens if it already exited.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already exited, or never started.
        }
    }

    /// <summary>Waits for the process to exit; false if it has not within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Gives the process a moment to exit (killing it if it does not), so that the report can say how it ended, and
    /// its standard error a moment to drain.
    /// </summary>
    public async Task<WorkerExit> WaitForEndAsync()
    {
        if (HasStarted && !await WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false))
        {
            Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        return WorkerExit.From(HasStarted && _process.HasExited ? _process.ExitCode : null, _stderrTail.Snapshot());
    }

    /// <summary>The last lines the worker wrote to standard error.</summary>
    public string[] StandardErrorTail() => _stderrTail.Snapshot();

    public void Dispose() => _process.Dispose();

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
            if (_sink is { } sink)
            {
                sink(new WorkerOutputLine(_workerId, line, isError));
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
