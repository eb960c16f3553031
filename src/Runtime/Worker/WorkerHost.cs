using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Offload.Protocol;

namespace Offload.Worker;

/// <summary>
/// A worker's main (entered through <see cref="WorkerEntry"/>): reads the pool's secret from standard input, connects
/// back to the pool, says hello, then serves calls until the pool shuts it down. It exits by itself as soon as the
/// parent is gone.
/// </summary>
internal static class WorkerHost
{
    /// <summary>Kept referenced for the life of the worker: disposing it would restore the default SIGINT action.</summary>
    internal static PosixSignalRegistration? InterruptRegistration { get; private set; }

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = WorkerArguments.TryParse(args);
        if (arguments is null)
        {
            await Console.Error.WriteLineAsync(
                $"Offload worker: incomplete command line ({string.Join(' ', args)}). A WorkerPool starts its workers; they are not meant to be started by hand.").ConfigureAwait(false);
            return WorkerExitCodes.BadArguments;
        }

        // MemoryPack's one-time set-up overlaps the rest of the start; only calls wait for it.
        SerializerWarmup.Start();
        var standardInput = Console.OpenStandardInput();
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(ReadLine(standardInput));
        }
        catch (Exception ex) when (ex is FormatException or EndOfStreamException)
        {
            await Console.Error.WriteLineAsync($"Offload worker {arguments.WorkerId}: no valid secret on standard input.").ConfigureAwait(false);
            return WorkerExitCodes.NoSecret;
        }

        // Ctrl-C in a terminal signals the whole foreground process group, workers included. The parent decides what
        // happens to its workers (it kills them as it exits); a worker that died on its own would only look like a crash.
        InterruptRegistration = PosixSignalRegistration.Create(PosixSignal.SIGINT, static context => context.Cancel = true);

        // Standard input now only tells us that the parent is alive: user code must not read (and so eat) it.
        Console.SetIn(TextReader.Null);
        var session = new WorkerSession(arguments);
        ParentWatchdog.Start(standardInput, session, arguments.Endpoint, arguments.SharedMemory?.Directory);

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(arguments.Endpoint)).ConfigureAwait(false);
            var hello = new HelloMessage
            {
                ProtocolVersion = ProtocolConstants.Version,
                WorkerId = arguments.WorkerId,
                ProcessId = Environment.ProcessId,
                Secret = secret,
            }.ToFrame();
            await socket.SendAsync(hello, SocketFlags.None).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            await Console.Error.WriteLineAsync($"Offload worker {arguments.WorkerId}: cannot connect to the pool at {arguments.Endpoint}: {ex.Message}").ConfigureAwait(false);
            return WorkerExitCodes.CannotConnect;
        }

        // The runtime settings the pool added for this worker alone have been read by now (the GC's at start, the
        // socket engine's at the first connect): take them out, so that processes started by worker code do not get them.
        foreach (var name in arguments.EnvironmentToRemove ?? [])
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        return await session.RunAsync(socket).ConfigureAwait(false);
    }

    /// <summary>
    /// Kills this process at once (SIGKILL on Unix): used when the parent is gone or the channel broke, where user code
    /// may never return and a normal exit could wait on it. The line on stderr says why; the parent sees the signal. A
    /// worker whose parent is gone first removes the pool directory the parent had no chance to remove. The processes
    /// the worker's code started go too (its process group): a parent that died cannot kill them.
    /// </summary>
    internal static void ExitNow()
    {
        try
        {
            Console.Out.Flush();
            Console.Error.Flush();
            ParentWatchdog.RemoveOrphanedPoolDirectory();
        }
        finally
        {
            WorkerProcessGroup.KillOwnGroup();

            // Not in a group of its own (or not on Unix): this process alone.
            Process.GetCurrentProcess().Kill();
        }
    }

    private static string ReadLine(Stream stream)
    {
        // Read byte by byte: a buffered reader could swallow bytes after the line, and EOF on this stream matters.
        var line = new StringBuilder();
        while (true)
        {
            var next = stream.ReadByte();
            if (next < 0)
            {
                throw new EndOfStreamException();
            }

            if (next == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)next);
        }
    }
}
