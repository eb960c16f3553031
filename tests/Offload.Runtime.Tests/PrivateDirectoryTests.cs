using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using Offload.Transport;

namespace Offload.Runtime.Tests;

/// <summary>Pool directories of processes that are gone are swept; no other directory is touched.</summary>
public sealed class PrivateDirectoryTests
{
    [Fact]
    public async Task Creating_a_directory_sweeps_those_of_dead_processes_only()
    {
        var deadPid = await DeadProcessIdAsync();
        var stale = MakePoolDirectory(deadPid);
        var mine = MakePoolDirectory(Environment.ProcessId);
        var liveOther = MakePoolDirectory(1);
        var notOurs = Path.Combine(PrivateDirectory.Root, $"offload-{deadPid}-not-a-pool-name");
        Directory.CreateDirectory(notOurs);

        // A dead process id whose socket still answers: a live pool in another PID namespace sharing this directory.
        var answering = MakePoolDirectory(deadPid);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(answering, PrivateDirectory.SocketFileName)));
        listener.Listen(1);
        string? created = null;
        try
        {
            created = PrivateDirectory.Create();

            Assert.False(Directory.Exists(stale), "the dead process's directory was not swept");
            Assert.True(Directory.Exists(mine));
            Assert.True(Directory.Exists(liveOther));
            Assert.True(Directory.Exists(notOurs));
            Assert.True(Directory.Exists(answering));
            Assert.True(Directory.Exists(created));
        }
        finally
        {
            foreach (var directory in new[] { stale, mine, liveOther, notOurs, answering, created })
            {
                if (directory is not null && Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    [Fact]
    public async Task A_stale_directory_is_swept_with_its_dead_socket()
    {
        var directory = MakePoolDirectory(await DeadProcessIdAsync());
        using (var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // Bound and closed, as a killed pool leaves it: the file is there, nobody listens.
            listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(directory, PrivateDirectory.SocketFileName)));
        }

        Assert.True(PrivateDirectory.SweepStale(PrivateDirectory.Root) >= 1);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void A_worker_removes_only_its_own_parents_pool_directory()
    {
        var parent = 424_242;
        var parentsOwn = MakePoolDirectory(parent);
        var someoneElses = MakePoolDirectory(parent + 1);
        var elsewhere = Directory.CreateTempSubdirectory("offload-test-").FullName;
        var lookalike = Path.Combine(elsewhere, Path.GetFileName(MakePoolDirectory(parent)));
        Directory.Move(Path.Combine(PrivateDirectory.Root, Path.GetFileName(lookalike)), lookalike);
        try
        {
            PrivateDirectory.TryDeleteOrphaned(Path.Combine(someoneElses, PrivateDirectory.SocketFileName), parent);
            PrivateDirectory.TryDeleteOrphaned(Path.Combine(lookalike, PrivateDirectory.SocketFileName), parent);
            PrivateDirectory.TryDeleteOrphaned(Path.Combine(elsewhere, PrivateDirectory.SocketFileName), parent);
            Assert.True(Directory.Exists(someoneElses));
            Assert.True(Directory.Exists(lookalike));
            Assert.True(Directory.Exists(elsewhere));

            PrivateDirectory.TryDeleteOrphaned(Path.Combine(parentsOwn, PrivateDirectory.SocketFileName), parent);
            Assert.False(Directory.Exists(parentsOwn));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
            Directory.Delete(someoneElses, recursive: true);
        }
    }

    private static string MakePoolDirectory(int processId)
    {
        var path = Path.Combine(PrivateDirectory.Root, $"offload-{processId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "left-behind"), "x");
        return path;
    }

    /// <summary>The id of a process that has exited (and been reaped), so that no process has it for now.</summary>
    private static async Task<int> DeadProcessIdAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.Id;
    }
}
