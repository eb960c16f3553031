using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using Offload.Transport;

namespace Offload.Runtime.Tests;

/// <summary>
/// Pool directories of processes that are gone are swept; no other directory is touched. Each test works under a root
/// of its own, so that pools other tests start (which sweep the real root) cannot take its directories away.
/// </summary>
public sealed class PrivateDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("offload-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Creating_a_directory_sweeps_those_of_dead_processes_only()
    {
        var deadPid = await DeadProcessIdAsync();
        var stale = MakePoolDirectory(deadPid);
        var mine = MakePoolDirectory(Environment.ProcessId);
        var liveOther = MakePoolDirectory(1);
        var notOurs = Path.Combine(_root, $"offload-{deadPid}-not-a-pool-name");
        Directory.CreateDirectory(notOurs);

        // A dead process id whose socket still answers: a live pool in another PID namespace sharing this directory.
        var answering = MakePoolDirectory(deadPid);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(answering, PrivateDirectory.SocketFileName)));
        listener.Listen(1);

        var created = PrivateDirectory.Create(_root);

        Assert.False(Directory.Exists(stale), "the dead process's directory was not swept");
        Assert.True(Directory.Exists(mine));
        Assert.True(Directory.Exists(liveOther));
        Assert.True(Directory.Exists(notOurs));
        Assert.True(Directory.Exists(answering));
        Assert.True(Directory.Exists(created));
        Assert.StartsWith($"offload-{Environment.ProcessId}-", Path.GetFileName(created), StringComparison.Ordinal);
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

        Assert.Equal(1, PrivateDirectory.SweepStale(_root));
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void A_worker_removes_only_its_own_parents_pool_directory()
    {
        var parent = 424_242;
        var parentsOwn = MakePoolDirectory(parent);
        var someoneElses = MakePoolDirectory(parent + 1);
        var elsewhere = Path.Combine(_root, "elsewhere");
        var lookalike = Path.Combine(elsewhere, Path.GetFileName(parentsOwn).Replace(parentsOwn[^12..], "0123456789ab", StringComparison.Ordinal));
        Directory.CreateDirectory(lookalike);

        PrivateDirectory.TryDeleteOrphaned(Path.Combine(someoneElses, PrivateDirectory.SocketFileName), parent, _root);
        PrivateDirectory.TryDeleteOrphaned(Path.Combine(lookalike, PrivateDirectory.SocketFileName), parent, _root);
        PrivateDirectory.TryDeleteOrphaned(Path.Combine(elsewhere, PrivateDirectory.SocketFileName), parent, _root);
        Assert.True(Directory.Exists(someoneElses));
        Assert.True(Directory.Exists(lookalike));
        Assert.True(Directory.Exists(elsewhere));

        PrivateDirectory.TryDeleteOrphaned(Path.Combine(parentsOwn, PrivateDirectory.SocketFileName), parent, _root);
        Assert.False(Directory.Exists(parentsOwn));
    }

    private string MakePoolDirectory(int processId)
    {
        var path = Path.Combine(_root, $"offload-{processId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
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
