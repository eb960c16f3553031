using Offload.Parent;
using Offload.Protocol;

namespace Offload.Runtime.Tests;

/// <summary>The rule that turns a worker's error report into the caller's exception, on hand-made reports.</summary>
public sealed class RemoteExceptionFactoryTests
{
    private const string Method = "Jobs.Run(int)";
    private const string RemoteStack = "   at Jobs.Run(Int32 x) in /src/Jobs.cs:line 12";

    [Fact]
    public void A_type_only_the_worker_knows_comes_back_as_RemoteInvocationException()
    {
        var error = Report("Plugins.Only.InTheWorkerException", "gone", assembly: "Plugins.Only");

        var remote = Assert.IsType<RemoteInvocationException>(Create(error));

        Assert.Equal("Plugins.Only.InTheWorkerException", remote.RemoteTypeName);
        Assert.Equal("gone", remote.RemoteMessage);
        Assert.Equal(RemoteStack, remote.RemoteStackTrace);
        Assert.Equal(Method, remote.MethodName);
        Assert.Equal(3, remote.WorkerId);
        Assert.Equal("Plugins.Only.InTheWorkerException", remote.Data[RemoteExceptionData.RemoteType]);
        Assert.Equal(3, remote.Data[RemoteExceptionData.WorkerId]);
        Assert.Equal(Method, remote.Data[RemoteExceptionData.Method]);
    }

    [Fact]
    public void Every_framework_type_in_the_list_is_rebuilt_with_its_message_inner_exception_HResult_and_remote_stack()
    {
        foreach (var typeName in FrameworkExceptions.TypeNames)
        {
            var error = Report(typeName, "went wrong", inner: Report(typeof(IOException).FullName!, "disk"));
            error.HResult = 0x1234;

            var exception = Create(error);

            Assert.Equal(typeName, exception.GetType().FullName);
            Assert.Equal("went wrong", exception.Message);
            Assert.Equal(0x1234, exception.HResult);
            Assert.StartsWith(RemoteStack, exception.StackTrace);
            Assert.Equal("disk", Assert.IsType<IOException>(exception.InnerException).Message);
            Assert.Equal(typeName, exception.Data[RemoteExceptionData.RemoteType]);
            Assert.Equal(Method, exception.InnerException!.Data[RemoteExceptionData.Method]);
        }
    }

    [Theory]
    [InlineData(typeof(OperationCanceledException))]
    [InlineData(typeof(TaskCanceledException))]
    [InlineData(typeof(OutOfMemoryException))]
    [InlineData(typeof(InsufficientMemoryException))]
    [InlineData(typeof(InsufficientExecutionStackException))]
    [InlineData(typeof(StackOverflowException))]
    [InlineData(typeof(AccessViolationException))]
    [InlineData(typeof(InvalidProgramException))]
    [InlineData(typeof(WorkerCrashedException))]
    [InlineData(typeof(CallTimeoutException))]
    public void The_types_that_would_mislead_the_parent_stay_RemoteInvocationException(Type type)
    {
        var remote = Assert.IsType<RemoteInvocationException>(Create(Report(type.FullName!, "no", assembly: type.Assembly.GetName().Name)));

        Assert.Equal(type.FullName, remote.RemoteTypeName);
    }

    [Fact]
    public void A_user_type_is_found_by_its_assembly_and_built_by_its_message_constructor()
    {
        var error = Report(typeof(StageFailedException).FullName!, "stage failed", assembly: typeof(StageFailedException).Assembly.GetName().Name,
            inner: Report("Plugins.Only.InTheWorkerException", "gone"));

        var stage = Assert.IsType<StageFailedException>(Create(error));

        Assert.Equal("stage failed", stage.Message);
        Assert.Equal("Plugins.Only.InTheWorkerException", Assert.IsType<RemoteInvocationException>(stage.InnerException).RemoteTypeName);
    }

    [Fact]
    public void A_constructor_that_throws_or_does_not_take_the_message_and_inner_exception_gives_RemoteInvocationException()
    {
        var assembly = typeof(RemoteExceptionFactoryTests).Assembly.GetName().Name;

        Assert.IsType<RemoteInvocationException>(Create(Report(typeof(RefusingException).FullName!, "no", assembly: assembly)));
        Assert.IsType<RemoteInvocationException>(Create(Report(typeof(KeyedException).FullName!, "no entry for 'k'", assembly: assembly)));
        Assert.IsType<RemoteInvocationException>(Create(Report(typeof(string).FullName!, "not an exception")));
        Assert.IsType<RemoteInvocationException>(Create(Report(typeof(InnerIgnoringException).FullName!, "no", assembly: assembly, inner: Report("System.IO.IOException", "disk"))));
    }

    [Fact]
    public void A_report_that_left_inner_exceptions_out_stays_RemoteInvocationException()
    {
        var error = Report(typeof(AggregateException).FullName!, "many", inner: Report(typeof(IOException).FullName!, "disk"));
        error.OmittedInnerErrors = 5;

        var remote = Assert.IsType<RemoteInvocationException>(Create(error));

        Assert.Equal(5, remote.RemoteInnerExceptionsOmitted);
        Assert.Equal(typeof(IOException).FullName, Assert.IsType<RemoteInvocationException>(remote.InnerException).RemoteTypeName);
    }

    [Fact]
    public void Several_inner_exceptions_on_a_type_that_holds_one_stay_RemoteInvocationException()
    {
        var error = Report(typeof(InvalidOperationException).FullName!, "two causes");
        error.InnerErrors = [Report(typeof(IOException).FullName!, "a"), Report(typeof(IOException).FullName!, "b")];

        var remote = Assert.IsType<RemoteInvocationException>(Create(error));

        Assert.Equal(2, remote.RemoteInnerExceptions.Count);
    }

    [Fact]
    public void Wrapped_mode_never_rebuilds()
    {
        var remote = Assert.IsType<RemoteInvocationException>(
            RemoteExceptionFactory.Create(Report(typeof(ArgumentException).FullName!, "bad"), Method, 3, RemoteExceptionMode.Wrapped));

        Assert.Equal(typeof(ArgumentException).FullName, remote.RemoteTypeName);
        Assert.Equal(3, remote.Data[RemoteExceptionData.WorkerId]);
    }

    [Fact]
    public void A_malformed_report_never_makes_building_throw()
    {
        var error = new RemoteError { TypeName = null!, Message = null!, InnerErrors = null! };

        var remote = Assert.IsType<RemoteInvocationException>(Create(error));

        Assert.Equal(RemoteError.Unknown.TypeName, remote.RemoteTypeName);
    }

    private static Exception Create(RemoteError error) => RemoteExceptionFactory.Create(error, Method, 3, RemoteExceptionMode.OwnType);

    private static RemoteError Report(string typeName, string message, string? assembly = null, RemoteError? inner = null) => new()
    {
        TypeName = typeName,
        Message = message,
        StackTrace = RemoteStack,
        AssemblyName = assembly,
        InnerErrors = inner is null ? [] : [inner],
    };
}

/// <summary>A user exception whose constructor refuses to run in the parent.</summary>
public sealed class RefusingException : Exception
{
    /// <summary>Always throws.</summary>
    public RefusingException(string message)
        : base(message) => throw new InvalidOperationException("not here");
}

/// <summary>A user exception whose string constructor takes a key, not a message.</summary>
public sealed class KeyedException(string key) : Exception($"no entry for '{key}'");

/// <summary>A user exception whose constructor drops the inner exception it is given.</summary>
public sealed class InnerIgnoringException : Exception
{
    /// <summary>Keeps only the inner exception's type name.</summary>
    public InnerIgnoringException(string message, Exception innerException)
        : base(message) => CauseType = innerException.GetType().Name;

    /// <summary>The inner exception's type name.</summary>
    public string CauseType { get; }
}
