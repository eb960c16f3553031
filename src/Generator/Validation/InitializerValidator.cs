using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Offload.Generator.Diagnostics;
using Offload.Generator.Model;

namespace Offload.Generator.Validation;

/// <summary>
/// Decides whether a <c>[WorkerInitializer]</c> method can be called by the generated dispatcher. The analyzer reports
/// what it finds; the generator only asks <see cref="IsValid"/> and leaves invalid initializers out quietly.
/// </summary>
/// <remarks>
/// Unlike a <c>[RunInWorkerProcess]</c> method, an initializer gets no generated member in its own type (the
/// dispatcher calls it directly), so its type need not be partial.
/// </remarks>
internal static class InitializerValidator
{
    /// <summary>Reports every problem that stops the dispatcher from calling <paramref name="method"/> in a worker.</summary>
    public static void Validate(IMethodSymbol method, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        // Something that is not an ordinary method cannot be called by name at all; the other rules would only
        // describe a shape that cannot be supported anyway.
        var unsupportedKind = DescribeUnsupportedKind(method);
        if (unsupportedKind is not null)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.InitializerNotCallable, GetUnsupportedKindLocation(method), MethodValidator.Display(method), unsupportedKind));
            return;
        }

        var methodLocation = MethodValidator.GetMethodLocation(method);
        if (!method.IsStatic)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.InitializerMustBeStatic, methodLocation, MethodValidator.Display(method)));
        }

        if (method.Parameters.Length > 0)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.InitializerHasParameters, GetParameterListLocation(method, cancellationToken), MethodValidator.Display(method)));
        }

        var isGeneric = method.IsGenericMethod;
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            isGeneric |= type.IsGenericType;
        }

        if (isGeneric)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.InitializerIsGeneric, methodLocation, MethodValidator.Display(method)));
        }

        var unsupportedReturn = DescribeUnsupportedReturn(method);
        if (unsupportedReturn is not null)
        {
            report(Diagnostic.Create(
                DiagnosticDescriptors.InitializerUnsupportedReturn,
                MethodValidator.GetReturnTypeLocation(method, cancellationToken),
                MethodValidator.Display(method),
                MethodValidator.DisplayReturnType(method),
                unsupportedReturn));
        }

        ValidateReachability(method, methodLocation, report);
    }

    /// <summary>True when <see cref="Validate"/> reports nothing.</summary>
    public static bool IsValid(IMethodSymbol method, CancellationToken cancellationToken)
    {
        var valid = true;
        Validate(method, _ => valid = false, cancellationToken);
        return valid;
    }

    /// <summary>OFFLOAD0019: what makes the method impossible to call by name, followed by the fix; or null.</summary>
    private static string? DescribeUnsupportedKind(IMethodSymbol method)
    {
        const string Fix = "; make it an ordinary static method of a class or struct";
        switch (method.MethodKind)
        {
            case MethodKind.LocalFunction:
                return "it is a local function" + Fix;
            case MethodKind.AnonymousFunction:
                return "it is a lambda" + Fix;
            case MethodKind.PropertyGet:
            case MethodKind.PropertySet:
            case MethodKind.EventAdd:
            case MethodKind.EventRemove:
            case MethodKind.EventRaise:
                return "it is an accessor" + Fix;
            case MethodKind.UserDefinedOperator:
            case MethodKind.BuiltinOperator:
            case MethodKind.Conversion:
                return "it is an operator" + Fix;
            case MethodKind.Destructor:
                return "it is a finalizer" + Fix;
            case MethodKind.Ordinary:
                break;
            default:
                return "it is not an ordinary method" + Fix;
        }

        // C# only calls a static abstract or virtual interface member through a type parameter (CS8926).
        return method.IsStatic && (method.IsAbstract || method.IsVirtual)
            ? "it is a static abstract or virtual interface member, which can only be called through a type parameter" + Fix
            : null;
    }

    /// <summary>OFFLOAD0018: why a worker cannot run and await what the method returns; or null.</summary>
    private static string? DescribeUnsupportedReturn(IMethodSymbol method)
    {
        switch (TypeShapes.ClassifyReturn(method, out _))
        {
            case ReturnKind.Void:
                return method.IsAsync ? "an async void method cannot be awaited; return Task instead" : null;
            case ReturnKind.Task:
            case ReturnKind.ValueTask:
                // The dispatcher awaits it straight away; a Task? would make that await a possible null dereference.
                return method.ReturnType.NullableAnnotation == NullableAnnotation.Annotated
                    ? "a worker cannot await a null task; return a non-nullable Task or ValueTask"
                    : null;
            case ReturnKind.Unsupported:
                return "a ref return refers to a variable; return void, Task or ValueTask";
            default:
                return "a worker has nowhere to put a result; return void, Task or ValueTask";
        }
    }

    /// <summary>OFFLOAD0019 for the method's accessibility and for every type around it.</summary>
    private static void ValidateReachability(IMethodSymbol method, Location methodLocation, Action<Diagnostic> report)
    {
        var accessibility = method.DeclaredAccessibility switch
        {
            Accessibility.Private => "private",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => null,
        };
        if (accessibility is not null)
        {
            report(Diagnostic.Create(
                DiagnosticDescriptors.InitializerNotCallable, methodLocation, MethodValidator.Display(method), $"it is {accessibility}; make it internal or public"));
        }

        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            var unreachable = MethodValidator.DescribeUnreachable(type);
            if (unreachable is not null)
            {
                report(Diagnostic.Create(
                    DiagnosticDescriptors.InitializerNotCallable,
                    MethodValidator.GetTypeLocation(type, methodLocation),
                    MethodValidator.Display(method),
                    $"its type '{MethodValidator.Display(type)}' is {unreachable}; make the type internal or public"));
            }
        }
    }

    /// <summary>A lambda has no identifier, so the diagnostic points at the attribute written on it.</summary>
    private static Location GetUnsupportedKindLocation(IMethodSymbol method)
    {
        if (method.MethodKind == MethodKind.AnonymousFunction)
        {
            var attribute = method.GetAttributes()
                .FirstOrDefault(candidate => candidate.AttributeClass?.ToDisplayString() == TypeShapes.InitializerAttributeMetadataName);
            if (attribute?.ApplicationSyntaxReference is { } reference)
            {
                return Location.Create(reference.SyntaxTree, reference.Span);
            }
        }

        return MethodValidator.GetMethodLocation(method);
    }

    /// <summary>The parameter list (<c>(int x)</c>), falling back to the method's identifier.</summary>
    private static Location GetParameterListLocation(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration)
            {
                return declaration.ParameterList.GetLocation();
            }
        }

        return MethodValidator.GetMethodLocation(method);
    }
}
