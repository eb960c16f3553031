using Offload;
using Offload.TestHost;

// A parent process for tests that must kill a parent or watch it exit.
//   <workers> <busy>: starts a pool, keeps some workers busy, prints the worker process ids on one line
//                     ("workers: 1 2 3"), then waits to be killed.
//   shared:           makes one call on WorkerPool.Shared, prints "ready", and returns from Main when a line arrives on
//                     standard input, never disposing the shared pool (as most apps do).
//   calls:            makes three calls on WorkerPool.Shared, one after another, and prints how each ended.
//   children:         starts a pool of one worker, has it start a child process (sleep 300), prints
//                     "children: <worker pid> <child pid>", then waits to be killed.
if (args is ["calls"])
{
    for (var i = 0; i < 3; i++)
    {
        try
        {
            await HostWork.SpinAsync(1);
            Console.WriteLine("ok");
        }
        catch (Exception ex)
        {
            Console.WriteLine($"{ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
        }
    }

    return;
}

if (args is ["children"])
{
    await using var withChild = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
    var pids = await HostWork.StartSleepAsync(withChild);
    Console.WriteLine("children: " + string.Join(' ', pids));
    await Task.Delay(Timeout.Infinite);
    return;
}

if (args is ["shared"])
{
    await HostWork.SpinAsync(1);
    Console.WriteLine("ready");
    Console.ReadLine();
    return;
}

var workerCount = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3;
var busy = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = workerCount });
await pool.StartAsync();
var running = Enumerable.Range(0, busy).Select(_ => HostWork.SpinAsync(pool, 600_000)).ToArray();
await Task.Delay(300);
Console.WriteLine("workers: " + string.Join(' ', pool.Workers.Select(w => w.ProcessId)));
await Task.WhenAll(running);
