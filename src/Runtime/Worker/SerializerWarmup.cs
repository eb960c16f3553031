using Offload.Protocol;

namespace Offload.Worker;

/// <summary>
/// A worker's MemoryPack set-up, on a thread of its own from the moment the worker starts. MemoryPack registers its
/// formatters for the framework's types the first time any of its code runs, which costs a process 30–40 ms of CPU;
/// a worker needs none of it to connect, say hello and load its assemblies (its control messages are not MemoryPack),
/// so that work overlaps the rest of its start instead of delaying its hello, and only calls wait for it.
/// </summary>
/// <remarks>
/// The generated formatter registrations of the app's assemblies (see <c>FormatterRegistration</c>) come here too:
/// in a worker that is still warming up they run on this thread, after MemoryPack's own; anywhere else, at once.
/// </remarks>
internal static class SerializerWarmup
{
    private static readonly Lock Gate = new();
    private static readonly List<Action> Pending = [];
    private static readonly ManualResetEventSlim Done = new(initialState: false);
    private static bool started;
    private static bool completed;
    private static Exception? failure;

    /// <summary>Starts the warm-up (once, in a worker).</summary>
    public static void Start()
    {
        lock (Gate)
        {
            if (started)
            {
                return;
            }

            started = true;
        }

        new Thread(Run) { IsBackground = true, Name = "Offload serializer warm-up" }.Start();
    }

    /// <summary>Runs <paramref name="registration"/> now, or after MemoryPack's set-up in a worker still warming up.</summary>
    public static void Register(Action registration)
    {
        lock (Gate)
        {
            if (started && !completed)
            {
                Pending.Add(registration);
                return;
            }
        }

        registration();
    }

    /// <summary>Waits until serializing works (at once outside a worker); throws what the set-up threw, if it failed.</summary>
    public static void Wait()
    {
        if (!Volatile.Read(ref started))
        {
            return;
        }

        Done.Wait();
        if (Volatile.Read(ref failure) is { } exception)
        {
            throw new InvalidOperationException($"The worker's serializer set-up failed: {exception.Message}", exception);
        }
    }

    private static void Run()
    {
        try
        {
            ProtocolFormatters.EnsureRegistered();
            while (true)
            {
                Action[] registrations;
                lock (Gate)
                {
                    if (Pending.Count == 0)
                    {
                        completed = true;
                        break;
                    }

                    registrations = [.. Pending];
                    Pending.Clear();
                }

                foreach (var registration in registrations)
                {
                    registration();
                }
            }
        }
        catch (Exception ex)
        {
            Volatile.Write(ref failure, ex);
            lock (Gate)
            {
                completed = true;
            }
        }
        finally
        {
            Done.Set();
        }
    }
}
