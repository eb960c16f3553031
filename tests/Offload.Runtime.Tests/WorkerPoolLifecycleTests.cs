using System.Diagnostics;
using Offload.Transport;

namespace Offload.Runtime.Tests;

/// <summary>Starting, sharing and stopping pools.</summary>
public sealed class WorkerPoolLifecycleTests
{
    private static readonly Lock SignalLock = new();

    [Fact]
    public async Task StartAsync_starts_every_worker_up_front()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 3 });
        Assert.Empty(pool.Workers);

        await pool.StartAsync();

        Assert.Equal(3, pool.Workers.Count);
        Assert.Equal(3, pool.Workers.Select(w => w.ProcessId).Distinct().Count());
    }

    [Fact]
    public async Task Dispose_waits_for_queued_and_running_calls_then_stops_the_workers()
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2 });
        await pool.StartAsync();
        var pids = pool.Workers.Select(w => w.ProcessId).ToArray();
        var calls = Enumerable.Range(0, 6).Select(_ => Workloads.BlockAsync(pool, 200)).ToArray();

        await pool.DisposeAsync();

        Assert.All(calls, c => Assert.True(c.IsCompletedSuccessfully));
        Assert.All(pids, pid => Assert.False(TestHelpers.IsAlive(pid), $"worker {pid} still alive after dispose"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Workloads.AddAsync(pool, 1L, 1L));
    }

    [Fact]
    public async Task Dispose_of_a_pool_that_never_started_is_a_no_op()
    {
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2 });
        await pool.DisposeAsync();
        await pool.DisposeAsync();
    }

    [Fact]
    public async Task StartAsync_on_a_disposed_or_draining_pool_fails_with_ObjectDisposedException()
    {
        var never = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        await never.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => never.StartAsync());

        var started = new WorkerPool(new WorkerPoolOptions { WorkerCount = 1 });
        await started.StartAsync();
        var running = Workloads.BlockAsync(started, 300);
        var disposing = started.DisposeAsync().AsTask();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => started.StartAsync());
        await disposing;
        await running;
        await Assert.ThrowsAsync<ObjectDisposedException>(() => started.StartAsync());
    }

    [Fact]
    public async Task Stopping_and_recycling_workers_writes_no_error_line()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<WorkerOutputLine>();
        for (var round = 0; round < 3; round++)
        {
            // MaxCallsPerWorker = 1: every call recycles its worker, and the dispose stops the last ones.
            var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, MaxCallsPerWorker = 1, WorkerOutput = lines.Enqueue });
            await pool.StartAsync();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Workloads.AddAsync(pool, 1L, 2L)));
            await pool.DisposeAsync();
            Assert.True(pool.Statistics.WorkersRecycled >= 2, $"{pool.Statistics.WorkersRecycled} workers recycled");
        }

        Assert.DoesNotContain(lines, l => l.IsError);
    }

    [Fact]
    public async Task The_shared_pool_serves_the_companions_without_a_pool_argument()
    {
        Assert.Equal(Environment.ProcessorCount, WorkerPool.Shared.WorkerCount);
        Assert.Equal(11L, await Workloads.AddAsync(5L, 6L));
        Assert.Throws<InvalidOperationException>(() => WorkerPool.ConfigureShared(new WorkerPoolOptions()));
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(new WorkerPoolOptions { WorkerCount = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(new WorkerPoolOptions { MaxFrameBytes = 1000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(new WorkerPoolOptions { Prefetch = -1 }));
    }

    [Fact]
    public async Task Workers_that_cannot_start_fail_the_pool_with_their_stderr_instead_of_retrying_forever()
    {
        // A startup hook that does not exist makes the runtime refuse to start every worker.
        var options = new WorkerPoolOptions { WorkerCount = 2, WorkerOutput = _ => { } };
        options.EnvironmentVariables["DOTNET_STARTUP_HOOKS"] = "/nonexistent/hook.dll";
        await using var pool = new WorkerPool(options);

        var start = await Assert.ThrowsAsync<WorkerStartException>(() => pool.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("failed starts in a row", start.Message);
        Assert.Contains(start.StandardErrorTail, line => line.Contains("hook", StringComparison.OrdinalIgnoreCase));

        var call = await Assert.ThrowsAsync<WorkerStartException>(() => Workloads.AddAsync(pool, 1L, 2L));
        Assert.Same(start, call);
    }

    [Fact]
    public async Task A_throwing_output_callback_does_not_take_the_parent_down()
    {
        var linesSeen = 0;
        await using var pool = new WorkerPool(new WorkerPoolOptions
        {
            WorkerCount = 1,
            WorkerOutput = line =>
            {
                if (line.Line.EndsWith(": hello", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref linesSeen);
                }

                throw new InvalidOperationException("sink broke");
            },
        });

        await Workloads.ChatterAsync(pool, "hello");

        // Both lines (stdout and stderr) have gone through the throwing callback.
        await TestHelpers.WaitUntilAsync(() => Volatile.Read(ref linesSeen) == 2);

        Assert.Equal(2L, await Workloads.AddAsync(pool, 1L, 1L));
    }

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    [InlineData("SIGINT")]
    public async Task No_worker_outlives_its_parent_by_more_than_a_second(string signal)
    {
        // The test host starts a pool of 4 with two workers busy, prints the worker pids, and waits to be signalled.
        var hostDll = TestHostProcess.Dll;
        var info = new ProcessStartInfo(Environment.ProcessPath!, [hostDll, "4", "2"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var host = StartWithDefaultInterruptHandling(info);
        var pids = await ReadWorkerPidsAsync(host);
        Assert.Equal(4, pids.Length);
        Assert.All(pids, pid => Assert.True(TestHelpers.IsAlive(pid)));

        // SIGINT is what Ctrl-C sends, SIGTERM what a service manager sends, SIGKILL leaves the parent no say at all.
        Assert.Equal(0, kill(host.Id, signal switch { "SIGKILL" => 9, "SIGTERM" => 15, _ => 2 }));
        Assert.True(await Task.Run(() => host.WaitForExit(10_000)), $"the parent did not exit on {signal}");

        await TestHelpers.TryWaitUntilAsync(() => !pids.Any(TestHelpers.IsAlive), timeoutMs: 1_000, pollMs: 10);

        var survivors = pids.Where(TestHelpers.IsAlive).ToArray();
        foreach (var pid in survivors)
        {
            TestHelpers.Kill(pid);
        }

        Assert.Empty(survivors);

        // A parent ended by a signal runs no exit handlers: its workers remove its pool directory as they go.
        Assert.Empty(PoolDirectoriesOf(host.Id));
    }

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    [InlineData("SIGINT")]
    public async Task A_workers_child_processes_do_not_outlive_the_parent(string signal)
    {
        // The test host starts a pool of one worker, has it start `sleep 300` (which holds the worker's standard output
        // and error), prints both pids, and waits to be signalled.
        var info = new ProcessStartInfo(Environment.ProcessPath!, [TestHostProcess.Dll, "children"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var host = StartWithDefaultInterruptHandling(info);
        var pids = await ReadPidsAsync(host, "children: ");
        try
        {
            Assert.Equal(2, pids.Length);
            Assert.All(pids, pid => Assert.True(TestHelpers.IsAlive(pid)));

            Assert.Equal(0, kill(host.Id, signal switch { "SIGKILL" => 9, "SIGTERM" => 15, _ => 2 }));
            Assert.True(await Task.Run(() => host.WaitForExit(10_000)), $"the parent did not exit on {signal}");

            // The worker goes within a second (see above); its child with it, or as soon as the parent's exit handlers
            // or the worker's watchdog get to it.
            await TestHelpers.TryWaitUntilAsync(() => !pids.Any(TestHelpers.IsAlive), timeoutMs: 5_000, pollMs: 10);
            Assert.False(TestHelpers.IsAlive(pids[0]), $"the worker (pid {pids[0]}) outlived its parent's {signal}");
            Assert.False(TestHelpers.IsAlive(pids[1]), $"the worker's child (pid {pids[1]}) outlived its parent's {signal}");
        }
        finally
        {
            foreach (var pid in pids.Where(TestHelpers.IsAlive))
            {
                TestHelpers.Kill(pid);
            }
        }
    }

    [Fact]
    public async Task A_process_that_never_disposes_the_shared_pool_leaves_no_directory_behind()
    {
        var hostDll = TestHostProcess.Dll;
        var info = new ProcessStartInfo(Environment.ProcessPath!, [hostDll, "shared"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var host = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await host.StandardOutput.ReadLineAsync(timeout.Token);
        if (line != "ready")
        {
            Assert.Fail($"The test host said {line ?? "nothing"}: {await host.StandardError.ReadToEndAsync(timeout.Token)}");
        }

        Assert.Single(PoolDirectoriesOf(host.Id));

        await host.StandardInput.WriteLineAsync();
        await host.WaitForExitAsync(timeout.Token);

        Assert.Equal(0, host.ExitCode);
        Assert.Empty(PoolDirectoriesOf(host.Id));
    }

    [Fact]
    public async Task A_pool_whose_workers_cannot_start_fails_its_calls_and_removes_its_directory_at_once()
    {
        // Workers that never connect in time: three failed starts in a row fault the pool.
        var pool = new WorkerPool(new WorkerPoolOptions { WorkerCount = 2, StartTimeout = TimeSpan.FromMilliseconds(1) });
        try
        {
            var calls = Enumerable.Range(0, 100).Select(i => Workloads.AddAsync(pool, i, 1L)).ToArray();
            foreach (var call in calls)
            {
                await Assert.ThrowsAsync<WorkerStartException>(() => call);
            }

            await Assert.ThrowsAsync<WorkerStartException>(() => Workloads.AddAsync(pool, 1L, 1L));
            var directory = pool.DirectoryPath;
            Assert.NotNull(directory);

            // The endpoint closes off the pool's lock, on the thread pool: give it a moment.
            await TestHelpers.TryWaitUntilAsync(() => !Directory.Exists(directory), timeoutMs: 5_000, pollMs: 10);

            Assert.False(Directory.Exists(directory), "the faulted pool's directory is still there");
            Assert.Same(directory, pool.DirectoryPath);
        }
        finally
        {
            await pool.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_pool_that_cannot_be_set_up_fails_each_call_and_leaves_nothing_behind()
    {
        // A temp directory so deep that the pool's socket path is longer than a Unix socket address can be: the pool's
        // directory is made, its socket cannot be bound. Each call tries again and fails alike.
        var root = Directory.CreateTempSubdirectory("offload-deep-").FullName;
        var deep = Path.Combine(root, new string('d', 120));
        Directory.CreateDirectory(deep);
        try
        {
            var (_, output, _) = await TestHostProcess.RunAsync([TestHostProcess.Dll, "calls"], environment =>
            {
                environment["TMPDIR"] = deep;
                environment.Remove("XDG_RUNTIME_DIR");
            });

            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.All(lines, line => Assert.StartsWith("WorkerStartException: The worker pool could not be set up", line, StringComparison.Ordinal));
            Assert.Empty(Directory.EnumerateFileSystemEntries(deep));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int sigaction(int signal, IntPtr action, IntPtr oldAction);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern IntPtr signal(int signal, IntPtr handler);

    /// <summary>
    /// Starts the test host with SIGINT at its default disposition. A shell runs background jobs (a CI script started
    /// with <c>&amp;</c>, say) with SIGINT ignored, every descendant inherits that, and .NET then rightly leaves it
    /// ignored, so the host would never see the signal this test sends. Only an ignored SIGINT is touched, and only
    /// around the start.
    /// </summary>
    private static Process StartWithDefaultInterruptHandling(ProcessStartInfo info)
    {
        const int SigInt = 2;
        IntPtr ignore = 1, byDefault = 0;

        // struct sigaction begins with the handler on Linux (x64 and arm64); 256 bytes hold all of it.
        var old = System.Runtime.InteropServices.Marshal.AllocHGlobal(256);
        try
        {
            var ignored = sigaction(SigInt, IntPtr.Zero, old) == 0 && System.Runtime.InteropServices.Marshal.ReadIntPtr(old) == ignore;
            if (!ignored)
            {
                return Process.Start(info)!;
            }

            lock (SignalLock)
            {
                signal(SigInt, byDefault);
                try
                {
                    return Process.Start(info)!;
                }
                finally
                {
                    signal(SigInt, ignore);
                }
            }
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeHGlobal(old);
        }
    }

    private static string[] PoolDirectoriesOf(int processId) =>
        Directory.GetDirectories(PrivateDirectory.Root, $"offload-{processId}-*");

    private static Task<int[]> ReadWorkerPidsAsync(Process host) => ReadPidsAsync(host, "workers: ");

    /// <summary>Reads the test host's output until the line that starts with <paramref name="prefix"/>; its pids.</summary>
    private static async Task<int[]> ReadPidsAsync(Process host, string prefix)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await host.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..].Split(' ').Select(int.Parse).ToArray();
            }
        }

        throw new InvalidOperationException($"The test host exited without printing a line that starts with \"{prefix}\": " + await host.StandardError.ReadToEndAsync());
    }
}
