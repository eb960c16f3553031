using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using MemoryPack;
using Offload.Protocol;
using Offload.Transport;
using Offload.Transport.SharedMemory;

namespace Offload.Runtime.Tests;

/// <summary>
/// Two channels over a socket, each with its side of shared memory, as a parent and a worker have: a large frame
/// crosses as a descriptor, arrives whole, and its region is lent until the receiver is done with it.
/// </summary>
public sealed class SharedMemoryLinkTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("offload-shm-").FullName;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_large_frame_arrives_whole_and_its_region_is_lent_until_the_receiver_is_done(bool keep)
    {
        var (left, right) = await ConnectAsync();
        using var senderArena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 64L << 20);
        await using var sender = new FrameChannel(left, ProtocolConstants.DefaultMaxFrameBytes, sharedMemory: new SharedMemoryLink(senderArena, _directory, "w1-", 64L << 20, deletePeerFiles: true));
        await using var receiver = new FrameChannel(right, ProtocolConstants.DefaultMaxFrameBytes, sharedMemory: new SharedMemoryLink(null, _directory, "p-", 64L << 20, deletePeerFiles: false));
        var handler = new Recorder(receiver, keep);
        _ = receiver.RunAsync(handler);
        _ = sender.RunAsync(new Recorder(sender, keep: false));

        var payload = new byte[1 << 20];
        Random.Shared.NextBytes(payload);
        var frame = FrameBuffer.CreateMessage(payload, senderArena);
        frame.Seal(FrameKind.Result, 5);
        var region = frame.Region!;
        Assert.True(sender.TrySend(frame));

        await TestHelpers.WaitUntilAsync(() => !handler.Bodies.IsEmpty);
        Assert.True(handler.Bodies.TryDequeue(out var body));
        Assert.Equal(payload, MemoryPackSerializer.Deserialize<byte[]>(body));

        if (keep)
        {
            // The receiver still reads the body where it lies: the region is not the sender's to reuse yet.
            await Task.Delay(100);
            Assert.Equal(1, sender.SharedMemory!.LentCount);
            Assert.Equal(1, region.Uses);
            handler.Leases.Single().Dispose();
        }

        await TestHelpers.WaitUntilAsync(() => sender.SharedMemory!.LentCount == 0);
        Assert.Equal(0, region.Uses);
    }

    [Fact]
    public async Task A_channel_that_ends_gives_back_what_its_peer_held()
    {
        var (left, right) = await ConnectAsync();
        using var senderArena = new SharedMemoryArena(_directory, "p-", 64 * 1024, 64L << 20);
        var sender = new FrameChannel(left, ProtocolConstants.DefaultMaxFrameBytes, sharedMemory: new SharedMemoryLink(senderArena, _directory, "w1-", 64L << 20, deletePeerFiles: true));
        await using var receiver = new FrameChannel(right, ProtocolConstants.DefaultMaxFrameBytes, sharedMemory: new SharedMemoryLink(null, _directory, "p-", 64L << 20, deletePeerFiles: false));
        var handler = new Recorder(receiver, keep: true);
        _ = receiver.RunAsync(handler);
        _ = sender.RunAsync(new Recorder(sender, keep: false));

        var frame = FrameBuffer.CreateMessage(new byte[600_000], senderArena);
        frame.Seal(FrameKind.Result, 5);
        var region = frame.Region!;
        Assert.True(sender.TrySend(frame));
        await TestHelpers.WaitUntilAsync(() => !handler.Bodies.IsEmpty);
        Assert.Equal(1, region.Uses);

        // The peer died holding the region: it can no longer read it, so it is free again.
        await sender.DisposeAsync();

        Assert.Equal(0, region.Uses);
        Assert.Same(region, senderArena.Rent(600_000));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(Socket Left, Socket Right)> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "s")));
        listener.Listen(1);
        var left = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await left.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(_directory, "s")));
        return (left, await listener.AcceptAsync());
    }

    /// <summary>Copies every frame's body, and keeps the shared body (a worker's call does) when asked to.</summary>
    private sealed class Recorder(FrameChannel channel, bool keep) : IFrameHandler
    {
        public ConcurrentQueue<byte[]> Bodies { get; } = new();

        public ConcurrentQueue<SharedBodyLease> Leases { get; } = new();

        public void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> body)
        {
            if (keep && channel.KeepSharedBody() is { } lease)
            {
                Leases.Enqueue(lease);
            }

            Bodies.Enqueue(body.ToArray());
        }
    }
}
