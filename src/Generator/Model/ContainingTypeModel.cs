namespace Offload.Generator.Model;

/// <summary>One type around a method, outermost first, as it must be re-declared in a partial declaration.</summary>
/// <param name="Keyword">The type's keyword: <c>class</c>, <c>struct</c>, <c>record</c> or <c>record struct</c>.</param>
/// <param name="Name">The type's name.</param>
/// <param name="IsStatic">Whether the type is <see langword="static"/>.</param>
internal sealed record ContainingTypeModel(string Keyword, string Name, bool IsStatic);
