using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Offload.Generator.Diagnostics;
using Offload.Generator.Model;

namespace Offload.Generator.Validation;

/// <summary>
/// The names the generated companions need in the method's type: OFFLOAD0008 (a member the user declared has one of
/// them) and OFFLOAD0012 (two <c>[RunInWorkerProcess]</c> overloads would get companions with the same signature).
/// </summary>
internal static class CompanionNameValidator
{
    /// <summary>Generated members carry <c>[GeneratedCode("Offload.Generator", version)]</c>; such a member is the companion itself.</summary>
    private const string GeneratorName = "Offload.Generator";

    /// <summary>
    /// OFFLOAD0008: a member the user declared already has the name of the companion, of a map companion, or of the
    /// hidden plumbing class every type with Offload methods gets (see <see cref="CompanionNames"/>).
    /// </summary>
    public static void Validate(IMethodSymbol method, Location methodLocation, Action<Diagnostic> report)
    {
        var companionName = CompanionNames.Call(method.Name);
        ReportConflictingOverloads(method, companionName, methodLocation, report);
        ReportNameTaken(method, companionName, methodLocation, report);
        foreach (var mapName in TypeShapes.GetMapCompanionNames(method))
        {
            ReportNameTaken(method, mapName, methodLocation, report);
        }

        ReportNameTaken(method, CompanionNames.PlumbingClass, methodLocation, report);
    }

    /// <summary>
    /// OFFLOAD0008 for one generated name: a member of the containing type that Offload did not generate has it, or the
    /// containing type itself does (a member may not be named after its type, CS0542).
    /// </summary>
    private static void ReportNameTaken(IMethodSymbol method, string companionName, Location methodLocation, Action<Diagnostic> report)
    {
        var conflict = method.ContainingType.Name == companionName
            ? method.ContainingType
            : method.ContainingType.GetMembers(companionName).FirstOrDefault(member => !IsGeneratedByOffload(member));
        if (conflict is null)
        {
            return;
        }

        var conflictLocation = conflict.Locations.FirstOrDefault(location => location.IsInSource);
        report(Diagnostic.Create(
            DiagnosticDescriptors.CompanionNameConflict,
            methodLocation,
            additionalLocations: conflictLocation is null ? null : new[] { conflictLocation },
            MethodValidator.Display(method),
            companionName,
            MethodValidator.Display(method.ContainingType)));
    }

    /// <summary>
    /// OFFLOAD0012: another <c>[RunInWorkerProcess]</c> overload whose companion would take the same parameters
    /// (companions drop the method's CancellationToken and loggers, keep its IProgress&lt;T&gt;, and add a token of
    /// their own), so the two companions would collide.
    /// </summary>
    /// <remarks>
    /// Map companions take the arguments as one item: the argument itself, or a tuple of all of them. So overloads
    /// whose companions differ can still collide there, when one takes a tuple and the other that tuple's elements.
    /// </remarks>
    private static void ReportConflictingOverloads(IMethodSymbol method, string companionName, Location methodLocation, Action<Diagnostic> report)
    {
        var signature = CompanionParameterTypes(method);
        var mapNames = TypeShapes.GetMapCompanionNames(method);
        var mapItem = MapItemTypes(SentParameterTypes(method));
        foreach (var other in method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>())
        {
            if (SymbolEqualityComparer.Default.Equals(other, method)
                || !other.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == TypeShapes.AttributeMetadataName))
            {
                continue;
            }

            var otherSignature = CompanionParameterTypes(other);
            if (signature.SequenceEqual(otherSignature, SymbolEqualityComparer.Default))
            {
                report(Diagnostic.Create(
                    DiagnosticDescriptors.CompanionSignatureConflict, methodLocation, MethodValidator.Display(method), MethodValidator.Display(other), companionName, "CancellationToken and ILogger parameters are not part of a companion's signature"));
                return;
            }

            if (mapNames.Length > 0
                && mapNames.SequenceEqual(TypeShapes.GetMapCompanionNames(other))
                && mapItem.SequenceEqual(MapItemTypes(SentParameterTypes(other)), SymbolEqualityComparer.Default))
            {
                report(Diagnostic.Create(
                    DiagnosticDescriptors.CompanionSignatureConflict, methodLocation, MethodValidator.Display(method), MethodValidator.Display(other), mapNames[0], "a map companion takes several arguments as one tuple"));
                return;
            }
        }
    }

    /// <summary>The types of the call companion's parameters, before its own token: the arguments and the IProgress&lt;T&gt;.</summary>
    private static ITypeSymbol[] CompanionParameterTypes(IMethodSymbol method) =>
        method.Parameters
            .Where(p => TypeShapes.ClassifyParameter(p.Type, out _) is ParameterKind.Sent or ParameterKind.Progress)
            .Select(p => p.Type)
            .ToArray();

    /// <summary>The types of the arguments sent to the worker, of which a map companion's item is made.</summary>
    private static ITypeSymbol[] SentParameterTypes(IMethodSymbol method) =>
        method.Parameters.Where(p => TypeShapes.ClassifyParameter(p.Type, out _) == ParameterKind.Sent).Select(p => p.Type).ToArray();

    /// <summary>
    /// What a map companion's item is made of: the types of the tuple it takes (its one parameter's, when that is
    /// itself a tuple of two or more), or the one parameter's type. Tuple element names do not matter to C#.
    /// </summary>
    private static ITypeSymbol[] MapItemTypes(ITypeSymbol[] parameterTypes) =>
        parameterTypes.Length == 1 && parameterTypes[0] is INamedTypeSymbol { IsTupleType: true, TupleElements.Length: > 1 } tuple
            ? tuple.TupleElements.Select(element => element.Type).ToArray()
            : parameterTypes;

    private static bool IsGeneratedByOffload(ISymbol member) =>
        member.GetAttributes().Any(attribute =>
            attribute.AttributeClass is { Name: "GeneratedCodeAttribute" } attributeClass
            && TypeShapes.IsInNamespace(attributeClass, "System", "CodeDom", "Compiler")
            && attribute.ConstructorArguments.Length > 0
            && attribute.ConstructorArguments[0].Value is GeneratorName);
}
