using System.Collections.Frozen;

namespace Offload.Parent;

/// <summary>
/// The framework exception types a remote error is rebuilt as with no reflection (so also in trimmed and NativeAOT apps):
/// each is created by its own constructor, with the remote message, and the remote inner exception when there is one.
/// </summary>
/// <remarks>
/// The message the caller sees is the remote one, character for character. The argument exceptions' message holds their
/// parameter name (and <see cref="ArgumentOutOfRangeException.ActualValue"/>), formatted by the framework: it is read
/// back out, in the parent's own wording, so that <see cref="ArgumentException.ParamName"/> survives too (and
/// <c>ActualValue</c>, as its text); when the text does not read back to the same message (another language in the
/// worker, or an argument exception with an inner exception, which has no constructor for both), the exception is built
/// from the whole message and <c>ParamName</c> stays <see langword="null"/>. Other details a framework exception keeps
/// outside its message (<see cref="FileNotFoundException.FileName"/>, <see cref="ObjectDisposedException.ObjectName"/>)
/// are in the message text only.
/// </remarks>
internal static class FrameworkExceptions
{
    private const string Marker = "\u0001";

    private static readonly FrozenDictionary<string, Func<string, Exception?, Exception>> Constructors = new Dictionary<string, Func<string, Exception?, Exception>>
    {
        [typeof(Exception).FullName!] = (message, inner) => new Exception(message, inner),
        [typeof(SystemException).FullName!] = (message, inner) => new SystemException(message, inner),
        [typeof(ApplicationException).FullName!] = (message, inner) => new ApplicationException(message, inner),
        [typeof(ArgumentException).FullName!] = CreateArgumentException,
        [typeof(ArgumentNullException).FullName!] = CreateArgumentNullException,
        [typeof(ArgumentOutOfRangeException).FullName!] = CreateArgumentOutOfRangeException,
        [typeof(InvalidOperationException).FullName!] = (message, inner) => new InvalidOperationException(message, inner),
        [typeof(ObjectDisposedException).FullName!] = (message, inner) => new ObjectDisposedException(message, inner),
        [typeof(NotSupportedException).FullName!] = (message, inner) => new NotSupportedException(message, inner),
        [typeof(PlatformNotSupportedException).FullName!] = (message, inner) => new PlatformNotSupportedException(message, inner),
        [typeof(NotImplementedException).FullName!] = (message, inner) => new NotImplementedException(message, inner),
        [typeof(FormatException).FullName!] = (message, inner) => new FormatException(message, inner),
        [typeof(UriFormatException).FullName!] = (message, inner) => new UriFormatException(message, inner),
        [typeof(KeyNotFoundException).FullName!] = (message, inner) => new KeyNotFoundException(message, inner),
        [typeof(IOException).FullName!] = (message, inner) => new IOException(message, inner),
        [typeof(FileNotFoundException).FullName!] = (message, inner) => new FileNotFoundException(message, inner),
        [typeof(DirectoryNotFoundException).FullName!] = (message, inner) => new DirectoryNotFoundException(message, inner),
        [typeof(PathTooLongException).FullName!] = (message, inner) => new PathTooLongException(message, inner),
        [typeof(EndOfStreamException).FullName!] = (message, inner) => new EndOfStreamException(message, inner),
        [typeof(InvalidDataException).FullName!] = (message, inner) => new InvalidDataException(message, inner),
        [typeof(UnauthorizedAccessException).FullName!] = (message, inner) => new UnauthorizedAccessException(message, inner),
        [typeof(TimeoutException).FullName!] = (message, inner) => new TimeoutException(message, inner),
        [typeof(ArithmeticException).FullName!] = (message, inner) => new ArithmeticException(message, inner),
        [typeof(OverflowException).FullName!] = (message, inner) => new OverflowException(message, inner),
        [typeof(DivideByZeroException).FullName!] = (message, inner) => new DivideByZeroException(message, inner),
        [typeof(IndexOutOfRangeException).FullName!] = (message, inner) => new IndexOutOfRangeException(message, inner),
        [typeof(InvalidCastException).FullName!] = (message, inner) => new InvalidCastException(message, inner),
        [typeof(NullReferenceException).FullName!] = (message, inner) => new NullReferenceException(message, inner),
        [typeof(ArrayTypeMismatchException).FullName!] = (message, inner) => new ArrayTypeMismatchException(message, inner),
        [typeof(RankException).FullName!] = (message, inner) => new RankException(message, inner),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // The framework's own wording, in the parent's language: " (Parameter '{0}')" and "\nActual value was {0}.".
    private static readonly (string Before, string After) ParameterFormat = Split(new ArgumentException("", Marker).Message);
    private static readonly (string Before, string After) ActualValueFormat = Split(new ArgumentOutOfRangeException(null, Marker, "").Message);

    /// <summary>The full names of the types built here, for the documentation's list and the tests.</summary>
    public static IEnumerable<string> TypeNames => Constructors.Keys;

    /// <summary>
    /// An exception of the framework type named <paramref name="typeName"/> with <paramref name="message"/> as its
    /// message, or <see langword="null"/> when the type is not one of those built here.
    /// </summary>
    public static Exception? Create(string typeName, string message, Exception? inner) =>
        Constructors.TryGetValue(typeName, out var create) ? create(message, inner) : null;

    private static Exception CreateArgumentException(string message, Exception? inner) =>
        TrySplitParameter(message, out var text, out var parameter)
            ? Same(new ArgumentException(text, parameter, inner), message) ?? new ArgumentException(message, inner)
            : new ArgumentException(message, inner);

    private static Exception CreateArgumentNullException(string message, Exception? inner) =>
        inner is null && TrySplitParameter(message, out var text, out var parameter)
            ? Same(new ArgumentNullException(parameter, text), message) ?? new ArgumentNullException(message, (Exception?)null)
            : new ArgumentNullException(message, inner);

    private static Exception CreateArgumentOutOfRangeException(string message, Exception? inner)
    {
        if (inner is null)
        {
            var rest = message;
            string? actualValue = null;
            if (TrySplitEnd(rest, ActualValueFormat, out var before, out var value))
            {
                rest = before;
                actualValue = value;
            }

            var parameter = TrySplitParameter(rest, out var text, out var name) ? name : null;
            if (parameter is not null || actualValue is not null)
            {
                if (Same(new ArgumentOutOfRangeException(parameter, actualValue, text), message) is { } rebuilt)
                {
                    return rebuilt;
                }
            }
        }

        return new ArgumentOutOfRangeException(message, inner);
    }

    private static bool TrySplitParameter(string message, out string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? parameter) =>
        TrySplitEnd(message, ParameterFormat, out text, out parameter);

    /// <summary>Splits "text{Before}value{After}" (the last such ending) into text and value, the value not empty.</summary>
    private static bool TrySplitEnd(string message, (string Before, string After) format, out string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        text = message;
        value = null;
        if (format.Before.Length == 0 || !message.EndsWith(format.After, StringComparison.Ordinal))
        {
            return false;
        }

        var end = message.Length - format.After.Length;
        var start = message.AsSpan(0, end).LastIndexOf(format.Before, StringComparison.Ordinal);
        if (start < 0 || start + format.Before.Length == end)
        {
            return false;
        }

        value = message[(start + format.Before.Length)..^format.After.Length];
        text = message[..start];
        return true;
    }

    /// <summary><paramref name="exception"/> if its message reads exactly as the remote one, else <see langword="null"/>.</summary>
    private static Exception? Same(Exception exception, string message) =>
        string.Equals(exception.Message, message, StringComparison.Ordinal) ? exception : null;

    private static (string Before, string After) Split(string formatted)
    {
        var at = formatted.IndexOf(Marker, StringComparison.Ordinal);
        return at < 0 ? ("", "") : (formatted[..at], formatted[(at + Marker.Length)..]);
    }
}
