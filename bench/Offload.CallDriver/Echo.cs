namespace Offload.CallDriver;

/// <summary>The trivial call the driver repeats.</summary>
public static partial class Echo
{
    /// <summary>One small argument there, one small result back.</summary>
    [RunInWorkerProcess]
    public static int Value(int value) => value;
}
