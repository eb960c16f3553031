using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Offload.Generator.Diagnostics;
using Offload.Generator.Model;

namespace Offload.Generator.Validation;

/// <summary>
/// Decides whether a <c>[RunInWorkerProcess]</c> method can run in a worker. The analyzer reports what it finds;
/// the generator only asks <see cref="IsValid"/> and skips invalid methods quietly.
/// </summary>
internal static class MethodValidator
{
    /// <summary>Generated members carry <c>[GeneratedCode("Offload.Generator", version)]</c>; such a member is the companion itself.</summary>
    private const string GeneratorName = "Offload.Generator";

    /// <summary>Reports every problem that stops <paramref name="method"/> from running in a worker process.</summary>
    public static void Validate(IMethodSymbol method, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        // A method of the wrong kind, or in the wrong kind of type, gets one diagnostic: the other rules would
        // only describe a shape that cannot be supported anyway.
        var unsupportedKind = DescribeUnsupportedKind(method);
        if (unsupportedKind is not null)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.UnsupportedMethodKind, GetUnsupportedKindLocation(method), Display(method), unsupportedKind));
            return;
        }

        var methodLocation = GetMethodLocation(method);
        if (!method.IsStatic)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.MethodMustBeStatic, methodLocation, Display(method)));
        }

        ValidateContainingTypes(method, methodLocation, report, cancellationToken, out var isGeneric);
        ValidateCompanionName(method, methodLocation, report);
        ValidateParameters(method, isGeneric, report);
        ValidateReturn(method, isGeneric, report, cancellationToken);
        ValidateSettings(method, report, cancellationToken);
    }

    /// <summary>True when <see cref="Validate"/> reports no error; a warning (OFFLOAD0014) leaves code worth generating.</summary>
    public static bool IsValid(IMethodSymbol method, CancellationToken cancellationToken)
    {
        var valid = true;
        Validate(
            method,
            diagnostic =>
            {
                if (diagnostic.Severity == DiagnosticSeverity.Error)
                {
                    valid = false;
                }
            },
            cancellationToken);
        return valid;
    }

    /// <summary>OFFLOAD0010: what makes the method unsupported, phrased to follow "Method 'M' is ...", or null.</summary>
    private static string? DescribeUnsupportedKind(IMethodSymbol method)
    {
        switch (method.MethodKind)
        {
            case MethodKind.LocalFunction:
                return "a local function";
            case MethodKind.AnonymousFunction:
                return "a lambda";
            case MethodKind.PropertyGet:
            case MethodKind.PropertySet:
            case MethodKind.EventAdd:
            case MethodKind.EventRemove:
            case MethodKind.EventRaise:
                return "an accessor";
            case MethodKind.UserDefinedOperator:
            case MethodKind.BuiltinOperator:
            case MethodKind.Conversion:
                return "an operator";
            case MethodKind.Destructor:
                return "a finalizer";
            case MethodKind.Ordinary:
                break;
            default:
                return "not an ordinary method";
        }

        if (method.ContainingType is { } containingType
            && containingType.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return containingType.TypeKind == TypeKind.Interface ? "declared in an interface" : "declared in an unsupported kind of type";
        }

        if (method.IsExtern)
        {
            return "extern";
        }

        if (method.IsAbstract)
        {
            return "abstract";
        }

        // __arglist arguments have no type to serialize.
        return method.IsVararg ? "a __arglist method" : null;
    }

    /// <summary>OFFLOAD0002, OFFLOAD0003 and OFFLOAD0009, which all look at the types around the method.</summary>
    private static void ValidateContainingTypes(
        IMethodSymbol method, Location methodLocation, Action<Diagnostic> report, CancellationToken cancellationToken, out bool isGeneric)
    {
        isGeneric = method.IsGenericMethod;
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            isGeneric |= type.IsGenericType;

            var missingPartial = FindDeclarationWithoutPartial(type, cancellationToken);
            if (missingPartial is not null)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.TypeMustBePartial, missingPartial.Identifier.GetLocation(), Display(type), Display(method)));
            }

            var unreachable = DescribeUnreachable(type);
            if (unreachable is not null)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.TypeNotReachable, GetTypeLocation(type, methodLocation), Display(type), unreachable, Display(method)));
            }
        }

        if (isGeneric)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.GenericNotSupported, methodLocation, Display(method)));
        }
    }

    private static TypeDeclarationSyntax? FindDeclarationWithoutPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
                && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return declaration;
            }
        }

        return null;
    }

    /// <summary>OFFLOAD0009 (and OFFLOAD0019): why the generated dispatcher, which sits outside the type, cannot name it; or null.</summary>
    internal static string? DescribeUnreachable(INamedTypeSymbol type)
    {
        if (type.IsFileLocal)
        {
            return "file-local";
        }

        return type.DeclaredAccessibility switch
        {
            Accessibility.Private => "private",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => null,
        };
    }

    /// <summary>OFFLOAD0008: a member the user declared already has the name of the companion or of a map companion.</summary>
    private static void ValidateCompanionName(IMethodSymbol method, Location methodLocation, Action<Diagnostic> report)
    {
        var companionName = TypeShapes.GetCompanionName(method.Name);
        ReportConflictingOverloads(method, companionName, methodLocation, report);
        ReportNameTaken(method, companionName, methodLocation, report);
        foreach (var mapName in TypeShapes.GetMapCompanionNames(method))
        {
            ReportNameTaken(method, mapName, methodLocation, report);
        }
    }

    private static void ReportNameTaken(IMethodSymbol method, string companionName, Location methodLocation, Action<Diagnostic> report)
    {
        var conflict = method.ContainingType.GetMembers(companionName).FirstOrDefault(member => !IsGeneratedByOffload(member));
        if (conflict is null)
        {
            return;
        }

        var conflictLocation = conflict.Locations.FirstOrDefault(location => location.IsInSource);
        report(Diagnostic.Create(
            DiagnosticDescriptors.CompanionNameConflict,
            methodLocation,
            additionalLocations: conflictLocation is null ? null : new[] { conflictLocation },
            Display(method),
            companionName,
            Display(method.ContainingType)));
    }

    /// <summary>
    /// OFFLOAD0012: another <c>[RunInWorkerProcess]</c> overload whose companion would take the same parameters
    /// (companions drop the method's CancellationToken and add their own), so the two companions would collide.
    /// </summary>
    /// <remarks>
    /// Map companions take the arguments as one item: the argument itself, or a tuple of all of them. So overloads
    /// whose companions differ can still collide there, when one takes a tuple and the other that tuple's elements.
    /// </remarks>
    private static void ReportConflictingOverloads(IMethodSymbol method, string companionName, Location methodLocation, Action<Diagnostic> report)
    {
        var signature = CompanionParameterTypes(method);
        var mapNames = TypeShapes.GetMapCompanionNames(method);
        var mapItem = MapItemTypes(signature);
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
                    DiagnosticDescriptors.CompanionSignatureConflict, methodLocation, Display(method), Display(other), companionName, "a CancellationToken parameter is not part of a companion's signature"));
                return;
            }

            if (mapNames.Length > 0
                && mapNames.SequenceEqual(TypeShapes.GetMapCompanionNames(other))
                && mapItem.SequenceEqual(MapItemTypes(otherSignature), SymbolEqualityComparer.Default))
            {
                report(Diagnostic.Create(
                    DiagnosticDescriptors.CompanionSignatureConflict, methodLocation, Display(method), Display(other), mapNames[0], "a map companion takes several arguments as one tuple"));
                return;
            }
        }
    }

    private static ITypeSymbol[] CompanionParameterTypes(IMethodSymbol method) =>
        method.Parameters.Where(p => !TypeShapes.IsCancellationToken(p.Type)).Select(p => p.Type).ToArray();

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

    /// <summary>OFFLOAD0004, OFFLOAD0005, OFFLOAD0006 and OFFLOAD0011, parameter by parameter.</summary>
    private static void ValidateParameters(IMethodSymbol method, bool isGeneric, Action<Diagnostic> report)
    {
        var seenCancellationToken = false;
        foreach (var parameter in method.Parameters)
        {
            var location = parameter.Locations.FirstOrDefault() ?? Location.None;
            var refModifier = DescribeRefKind(parameter.RefKind);
            if (refModifier is not null)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.ByRefParameter, location, parameter.Name, Display(method), refModifier));
            }

            var type = parameter.Type;
            if (TypeShapes.IsCancellationToken(type))
            {
                // The first token is bound to the call's token on the worker side; there is nothing to bind a second to.
                if (seenCancellationToken)
                {
                    report(Diagnostic.Create(DiagnosticDescriptors.MultipleCancellationTokens, location, parameter.Name, Display(method)));
                }

                seenCancellationToken = true;
                continue;
            }

            var neverCrosses = DescribeProcessBound(type);
            if (neverCrosses is not null)
            {
                report(Diagnostic.Create(
                    DiagnosticDescriptors.ParameterCannotCrossProcess, location, parameter.Name, Display(method), MemoryPackTypeChecker.Display(type), neverCrosses));
                continue;
            }

            ReportIfNotSerializable(type, $"parameter '{parameter.Name}'", method, location, isGeneric, report);
        }
    }

    private static string? DescribeRefKind(RefKind refKind) => refKind switch
    {
        RefKind.Ref => "ref",
        RefKind.Out => "out",
        RefKind.In => "in",
        RefKind.RefReadOnlyParameter => "ref readonly",
        _ => null,
    };

    /// <summary>OFFLOAD0005: why values of <paramref name="type"/> only make sense inside the calling process; or null.</summary>
    private static string? DescribeProcessBound(ITypeSymbol type)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Pointer:
                return "a pointer refers to memory of the calling process";
            case TypeKind.FunctionPointer:
                return "a function pointer refers to code of the calling process";
            case TypeKind.Delegate:
                return "a delegate refers to code and objects of the calling process";
            case TypeKind.Dynamic:
                return "a dynamic value has no static type to serialize";
        }

        if (type.SpecialType is SpecialType.System_Delegate or SpecialType.System_MulticastDelegate)
        {
            return "a delegate refers to code and objects of the calling process";
        }

        return type.IsRefLikeType ? "a ref struct such as Span<T> lives on the caller's stack" : null;
    }

    /// <summary>OFFLOAD0007 and OFFLOAD0006 for what the method returns.</summary>
    private static void ValidateReturn(IMethodSymbol method, bool isGeneric, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        var location = GetReturnTypeLocation(method, cancellationToken);
        var returnKind = TypeShapes.ClassifyReturn(method, out var resultType);
        string? unsupported = null;
        if (returnKind == ReturnKind.Unsupported)
        {
            unsupported = "a ref return refers to a variable of the worker process";
        }
        else if (returnKind == ReturnKind.Void && method.IsAsync)
        {
            unsupported = "an async void method cannot be awaited; return Task instead";
        }
        else if (resultType is not null)
        {
            unsupported = DescribeUnsupportedResult(resultType);
        }

        if (unsupported is not null)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.UnsupportedReturn, location, Display(method), DisplayReturnType(method), unsupported));
            return;
        }

        if (resultType is not null)
        {
            ReportIfNotSerializable(resultType, "return value", method, location, isGeneric, report);
        }
    }

    /// <summary>OFFLOAD0007 for a result type (the <c>T</c> of <c>Task&lt;T&gt;</c>): shapes that cannot be carried back at all.</summary>
    private static string? DescribeUnsupportedResult(ITypeSymbol resultType)
    {
        if (resultType.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return "a pointer refers to memory of the worker process";
        }

        if (resultType.IsRefLikeType)
        {
            return "a ref struct cannot leave the worker's stack";
        }

        if (resultType is not INamedTypeSymbol named)
        {
            return null;
        }

        if (named.MetadataName == "IAsyncEnumerable`1" && TypeShapes.IsInNamespace(named, "System", "Collections", "Generic"))
        {
            return "streaming results with IAsyncEnumerable<T> is not supported yet; return a collection instead";
        }

        var isEnumerator =
            (named.MetadataName is "IEnumerator`1" or "IAsyncEnumerator`1" && TypeShapes.IsInNamespace(named, "System", "Collections", "Generic"))
            || (named.MetadataName == "IEnumerator" && TypeShapes.IsInNamespace(named, "System", "Collections"));
        return isEnumerator ? "an enumerator cannot be carried back from the worker; return a collection instead" : null;
    }

    private static void ReportIfNotSerializable(
        ITypeSymbol type, string what, IMethodSymbol method, Location location, bool isGeneric, Action<Diagnostic> report)
    {
        var problem = MemoryPackTypeChecker.FindProblem(type);

        // A type parameter is already covered by OFFLOAD0003; saying it cannot be serialized either adds nothing.
        if (problem is null || (isGeneric && problem.OffendingType.TypeKind == TypeKind.TypeParameter))
        {
            return;
        }

        report(Diagnostic.Create(
            DiagnosticDescriptors.NotSerializable, location, what, Display(method), MemoryPackTypeChecker.Display(type), problem.Reason));
    }

    /// <summary>OFFLOAD0013 and OFFLOAD0014: the attribute's named arguments, each reported where it is written.</summary>
    private static void ValidateSettings(IMethodSymbol method, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        var attribute = method.GetAttributes()
            .FirstOrDefault(candidate => candidate.AttributeClass?.ToDisplayString() == TypeShapes.AttributeMetadataName);
        if (attribute is null)
        {
            return;
        }

        var maxRetries = TypeShapes.GetNamedArgument(attribute, TypeShapes.MaxRetriesName, 0);
        if (maxRetries is < 0 or > TypeShapes.MaxRetriesLimit)
        {
            report(Diagnostic.Create(
                DiagnosticDescriptors.InvalidSetting,
                GetNamedArgumentLocation(attribute, TypeShapes.MaxRetriesName, method, cancellationToken),
                TypeShapes.MaxRetriesName,
                maxRetries.ToString(CultureInfo.InvariantCulture),
                Display(method),
                $"it must be between 0 and {TypeShapes.MaxRetriesLimit}"));
        }

        var timeout = TypeShapes.GetNamedArgument(attribute, TypeShapes.TimeoutMillisecondsName, 0);
        if (timeout < 0)
        {
            report(Diagnostic.Create(
                DiagnosticDescriptors.InvalidSetting,
                GetNamedArgumentLocation(attribute, TypeShapes.TimeoutMillisecondsName, method, cancellationToken),
                TypeShapes.TimeoutMillisecondsName,
                timeout.ToString(CultureInfo.InvariantCulture),
                Display(method),
                "it must be 0 (the pool's default) or a positive number of milliseconds"));
        }

        // Only a MaxRetries left at 0 makes RetryOnException pointless; an invalid one is OFFLOAD0013's already.
        if (maxRetries == 0 && TypeShapes.GetNamedArgument(attribute, TypeShapes.RetryOnExceptionName, false))
        {
            report(Diagnostic.Create(
                DiagnosticDescriptors.RetryOnExceptionWithoutRetries,
                GetNamedArgumentLocation(attribute, TypeShapes.RetryOnExceptionName, method, cancellationToken),
                Display(method)));
        }
    }

    /// <summary>The named argument <c>Name = value</c> in the attribute's syntax, falling back to the attribute, then the method.</summary>
    private static Location GetNamedArgumentLocation(AttributeData attribute, string name, IMethodSymbol method, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
        {
            return GetMethodLocation(method);
        }

        var argument = syntax.ArgumentList?.Arguments.FirstOrDefault(candidate => candidate.NameEquals?.Name.Identifier.ValueText == name);
        return (argument ?? (SyntaxNode)syntax).GetLocation();
    }

    /// <summary>A symbol as diagnostics show it: short and C#-style (<c>Calc.Square(int)</c>).</summary>
    internal static string Display(ISymbol symbol) => symbol.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    /// <summary>The return type as diagnostics show it, with <c>ref</c> or <c>ref readonly</c> where it returns by reference.</summary>
    internal static string DisplayReturnType(IMethodSymbol method)
    {
        var type = MemoryPackTypeChecker.Display(method.ReturnType);
        return method.ReturnsByRefReadonly ? "ref readonly " + type : method.ReturnsByRef ? "ref " + type : type;
    }

    /// <summary>The method's identifier.</summary>
    internal static Location GetMethodLocation(IMethodSymbol method) =>
        method.Locations.FirstOrDefault(location => location.IsInSource) ?? Location.None;

    /// <summary>A lambda has no identifier, so OFFLOAD0010 points at the attribute that asks for the unsupported thing.</summary>
    private static Location GetUnsupportedKindLocation(IMethodSymbol method)
    {
        if (method.MethodKind == MethodKind.AnonymousFunction)
        {
            var attribute = method.GetAttributes()
                .FirstOrDefault(candidate => candidate.AttributeClass?.ToDisplayString() == TypeShapes.AttributeMetadataName);
            if (attribute?.ApplicationSyntaxReference is { } reference)
            {
                return Location.Create(reference.SyntaxTree, reference.Span);
            }
        }

        return GetMethodLocation(method);
    }

    /// <summary>The declaration of <paramref name="type"/> next to the method, so the squiggle lands in the file being edited.</summary>
    internal static Location GetTypeLocation(INamedTypeSymbol type, Location methodLocation) =>
        type.Locations.FirstOrDefault(location => location.SourceTree == methodLocation.SourceTree && location.IsInSource)
        ?? type.Locations.FirstOrDefault(location => location.IsInSource)
        ?? methodLocation;

    /// <summary>The return type's syntax (<c>ref int</c>, <c>Task&lt;Foo&gt;</c>), falling back to the method's identifier.</summary>
    internal static Location GetReturnTypeLocation(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var returnType = reference.GetSyntax(cancellationToken) switch
            {
                MethodDeclarationSyntax declaration => declaration.ReturnType,
                LocalFunctionStatementSyntax localFunction => localFunction.ReturnType,
                _ => null,
            };
            if (returnType is not null)
            {
                return returnType.GetLocation();
            }
        }

        return GetMethodLocation(method);
    }
}
