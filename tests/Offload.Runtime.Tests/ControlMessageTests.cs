using System.Buffers;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>The control messages a worker exchanges before it is ready (hello, load assembly): exact, bounded, strict.</summary>
public sealed class ControlMessageTests
{
    [Fact]
    public void A_hello_reads_back_as_written()
    {
        var hello = new HelloMessage { ProtocolVersion = ProtocolConstants.Version, WorkerId = 7, ProcessId = 4242, Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray() };

        var read = HelloMessage.TryRead(Written(hello.Write));

        Assert.NotNull(read);
        Assert.Equal((hello.ProtocolVersion, hello.WorkerId, hello.ProcessId), (read.ProtocolVersion, read.WorkerId, read.ProcessId));
        Assert.Equal(hello.Secret, read.Secret);
    }

    [Theory]
    [InlineData("System.Text.Json, Version=10.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", "/app/System.Text.Json.dll")]
    [InlineData("Ünïcödé, Version=1.0.0.0", null)]
    [InlineData(null, null)]
    [InlineData("", "")]
    public void A_load_assembly_message_reads_back_as_written(string? fullName, string? location)
    {
        var read = LoadAssemblyMessage.TryRead(Written(new LoadAssemblyMessage { FullName = fullName, Location = location }.Write));

        Assert.NotNull(read);
        Assert.Equal(fullName, read.FullName);
        Assert.Equal(location, read.Location);
    }

    [Fact]
    public void Every_cut_short_or_padded_body_is_refused()
    {
        var hello = Written(new HelloMessage { ProtocolVersion = 2, WorkerId = 1, ProcessId = 2, Secret = new byte[32] }.Write).ToArray();
        var load = Written(new LoadAssemblyMessage { FullName = "A, Version=1.0.0.0", Location = "/a.dll" }.Write).ToArray();

        for (var length = 0; length < hello.Length; length++)
        {
            Assert.Null(HelloMessage.TryRead(new ReadOnlySequence<byte>(hello, 0, length)));
        }

        for (var length = 0; length < load.Length; length++)
        {
            Assert.Null(LoadAssemblyMessage.TryRead(new ReadOnlySequence<byte>(load, 0, length)));
        }

        Assert.Null(HelloMessage.TryRead(new ReadOnlySequence<byte>([.. hello, 0])));
        Assert.Null(LoadAssemblyMessage.TryRead(new ReadOnlySequence<byte>([.. load, 0])));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(-2)]
    [InlineData(ControlMessage.MaxStringBytes + 1)]
    public void A_string_length_out_of_bounds_is_refused(int length)
    {
        var body = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(body, length);

        Assert.Null(LoadAssemblyMessage.TryRead(new ReadOnlySequence<byte>(body)));
    }

    private static ReadOnlySequence<byte> Written(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return new ReadOnlySequence<byte>(buffer.WrittenMemory);
    }
}
