namespace Offload.Runtime.Tests;

/// <summary>Methods that throw, in workers, the exceptions whose types the caller should (or should not) get back.</summary>
public static partial class RemoteExceptionWorkloads
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="parameter"/>.</summary>
    [RunInWorkerProcess]
    public static int ThrowArgument(string parameter, string message) => throw new ArgumentException(message, parameter);

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> with an actual value.</summary>
    [RunInWorkerProcess]
    public static int ThrowOutOfRange(int count) => throw new ArgumentOutOfRangeException(nameof(count), count, "Must be positive.");

    /// <summary>Throws an <see cref="ArgumentNullException"/> with the framework's own message.</summary>
    [RunInWorkerProcess]
    public static int ThrowNull() => throw new ArgumentNullException("name");

    /// <summary>Throws a type of this assembly that has a <c>(string)</c> constructor.</summary>
    [RunInWorkerProcess]
    public static int ThrowQuota(string message) => throw new QuotaExceededException(message);

    /// <summary>Throws a type of this assembly with a <c>(string, Exception)</c> constructor, around a framework exception.</summary>
    [RunInWorkerProcess]
    public static int ThrowWrapping(string message) =>
        throw new StageFailedException(message, new KeyNotFoundException("no stage 'parse'"));

    /// <summary>Throws a type of this assembly whose only constructor takes no message.</summary>
    [RunInWorkerProcess]
    public static int ThrowCoded(int code) => throw new CodedException(code);

    /// <summary>
    /// Throws a type around an inner exception that no public constructor of it can take: the parent cannot rebuild it
    /// without losing the inner exception.
    /// </summary>
    [RunInWorkerProcess]
    public static int ThrowAuditWithInner() => throw new AuditFailedException("audit failed", new InvalidDataException("bad header"));

    /// <summary>Throws an <see cref="AggregateException"/> of one exception of each kind.</summary>
    [RunInWorkerProcess]
    public static int ThrowAggregate() => throw new AggregateException(
        "several stages failed",
        new ArgumentException("bad width", "width"),
        new QuotaExceededException("over quota"),
        new CodedException(7),
        new FileNotFoundException("no model file"));

    /// <summary>Throws an <see cref="OperationCanceledException"/> the caller did not ask for (the worker's own timeout).</summary>
    [RunInWorkerProcess]
    public static async Task<int> GiveUpAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(1));
        await Task.Delay(Timeout.Infinite, timeout.Token);
        return 0;
    }
}

/// <summary>A user exception with only a message constructor.</summary>
public sealed class QuotaExceededException(string message) : Exception(message);

/// <summary>A user exception with a message and an inner exception.</summary>
public sealed class StageFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StageFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception around the one that caused it.</summary>
    public StageFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A user exception whose public constructor takes a message only; its inner exception comes another way.</summary>
public sealed class AuditFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AuditFailedException(string message)
        : base(message)
    {
    }

    internal AuditFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A user exception the parent cannot build from a message: its only constructor takes a code.</summary>
public sealed class CodedException(int code) : Exception($"failed with code {code}")
{
    /// <summary>The code.</summary>
    public int Code => code;
}
