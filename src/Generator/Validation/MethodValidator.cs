using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Offload.Generator.Diagnostics;

namespace Offload.Generator.Validation;

/// <summary>
/// Decides whether a <c>[RunInWorkerProcess]</c> method can run in a worker. The analyzer reports what it finds;
/// the generator only asks <see cref="IsValid"/> and skips invalid methods quietly.
/// </summary>
/// <remarks>
/// This type checks the method's kind, the types around it and the attribute's settings, and holds the display and
/// location helpers every validator shares; <see cref="CompanionNameValidator"/> checks the names the generated
/// companions need, <see cref="SignatureValidator"/> the parameters and the result.
/// </remarks>
internal static class MethodValidator
{
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
        CompanionNameValidator.Validate(method, methodLocation, report);
        SignatureValidator.ValidateParameters(method, isGeneric, report);
        SignatureValidator.ValidateReturn(method, isGeneric, report, cancellationToken);
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
