namespace Offload.Generator.Model;

/// <summary>One parameter of a method.</summary>
/// <param name="Name">The parameter name as a C# identifier (escaped with <c>@</c> where it is a keyword).</param>
/// <param name="Type">The fully qualified type, with nullable annotations.</param>
/// <param name="Kind">Whether the parameter is sent to the worker or bound there, and to what.</param>
/// <param name="IsPrimitive">True for a primitive numeric, <c>bool</c> or <c>char</c>, written and read as raw bytes (see <c>TypeShapes.IsPrimitive</c>).</param>
/// <param name="TypeArgument">
/// The fully qualified <c>T</c> of an <c>IProgress&lt;T&gt;</c> (the report type) or of an <c>ILogger&lt;T&gt;</c>
/// (the category type); null for every other parameter, and for a plain <c>ILogger</c>, whose category is the
/// containing type's name (<see cref="MethodModel.LoggerCategory"/>).
/// </param>
internal sealed record ParameterModel(string Name, string Type, ParameterKind Kind, bool IsPrimitive, string? TypeArgument = null)
{
    /// <summary>True for an argument written into the arguments struct.</summary>
    public bool IsSent => Kind == ParameterKind.Sent;

    /// <summary>True for a parameter the call companion takes: an argument, or an <c>IProgress&lt;T&gt;</c>.</summary>
    public bool IsCompanionParameter => Kind is ParameterKind.Sent or ParameterKind.Progress;
}
