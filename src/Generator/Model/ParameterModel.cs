namespace Offload.Generator.Model;

/// <summary>One parameter of a method.</summary>
/// <param name="Name">The parameter name as a C# identifier (escaped with <c>@</c> where it is a keyword).</param>
/// <param name="Type">The fully qualified type, with nullable annotations.</param>
/// <param name="IsCancellationToken">True for the method's <c>CancellationToken</c>, which is bound to the call's token and never sent.</param>
/// <param name="IsPrimitive">True for a primitive numeric, <c>bool</c> or <c>char</c>, written and read as raw bytes (see <c>TypeShapes.IsPrimitive</c>).</param>
internal sealed record ParameterModel(string Name, string Type, bool IsCancellationToken, bool IsPrimitive);
