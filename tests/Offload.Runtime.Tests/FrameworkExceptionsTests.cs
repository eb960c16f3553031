using Offload.Parent;

namespace Offload.Runtime.Tests;

/// <summary>The framework exceptions rebuilt without reflection, and what of an argument exception survives its message.</summary>
public sealed class FrameworkExceptionsTests
{
    public static TheoryData<ArgumentException> ArgumentExceptions =>
    [
        new ArgumentException("Must be even.", "width"),
        new ArgumentException(null, "width"),
        new ArgumentNullException("name"),
        new ArgumentNullException("name", "Give it a name."),
        new ArgumentOutOfRangeException("count", -5, "Must be positive."),
        new ArgumentOutOfRangeException("count"),
        new ArgumentOutOfRangeException(null, "x (Parameter 'y')", "Odd value."),
        new ArgumentException("Tricky (Parameter 'not it') text.", "real"),
    ];

    [Theory]
    [MemberData(nameof(ArgumentExceptions))]
    public void An_argument_exception_keeps_its_parameter_name_and_its_message_to_the_character(ArgumentException original)
    {
        var rebuilt = Assert.IsAssignableFrom<ArgumentException>(FrameworkExceptions.Create(original.GetType().FullName!, original.Message, null));

        Assert.Equal(original.GetType(), rebuilt.GetType());
        Assert.Equal(original.Message, rebuilt.Message);
        Assert.Equal(original.ParamName, rebuilt.ParamName);
        if (original is ArgumentOutOfRangeException { ActualValue: { } value })
        {
            Assert.Equal(value.ToString(), ((ArgumentOutOfRangeException)rebuilt).ActualValue);
        }
    }

    [Fact]
    public void A_message_worded_otherwise_is_kept_whole_without_a_parameter_name()
    {
        const string German = "Der Wert muss gerade sein. (Parameter „width“)";

        var rebuilt = Assert.IsType<ArgumentException>(FrameworkExceptions.Create(typeof(ArgumentException).FullName!, German, null));

        Assert.Equal(German, rebuilt.Message);
        Assert.Null(rebuilt.ParamName);
    }

    [Fact]
    public void An_argument_exception_with_an_inner_exception_keeps_both_where_a_constructor_takes_both()
    {
        var message = new ArgumentException("Bad.", "width").Message;
        var inner = new IOException("disk");

        var argument = Assert.IsType<ArgumentException>(FrameworkExceptions.Create(typeof(ArgumentException).FullName!, message, inner));
        Assert.Equal("width", argument.ParamName);
        Assert.Same(inner, argument.InnerException);

        // ArgumentNullException and ArgumentOutOfRangeException have no constructor for a parameter and an inner exception.
        var outOfRange = Assert.IsType<ArgumentOutOfRangeException>(FrameworkExceptions.Create(typeof(ArgumentOutOfRangeException).FullName!, message, inner));
        Assert.Equal(message, outOfRange.Message);
        Assert.Same(inner, outOfRange.InnerException);
    }

    [Fact]
    public void A_type_not_in_the_list_is_not_built()
    {
        Assert.Null(FrameworkExceptions.Create(typeof(OperationCanceledException).FullName!, "no", null));
        Assert.Null(FrameworkExceptions.Create("Plugins.Only.InTheWorkerException", "no", null));
    }
}
