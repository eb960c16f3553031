namespace Offload.Generator.Model;

/// <summary>
/// The declaration of a containing type's hidden plumbing class (<see cref="CompanionNames.PlumbingClass"/>), written
/// once per type: its attributes may appear on one partial declaration only, while every method's file adds members.
/// </summary>
/// <param name="Namespace">The containing type's namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">The containing type and the types around it, outermost first.</param>
/// <param name="HintName">The file's hint name.</param>
internal sealed record PlumbingClassModel(string? Namespace, EquatableArray<ContainingTypeModel> ContainingTypes, string HintName);
