using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Offload.Generator.Diagnostics;
using Offload.Generator.Model;

namespace Offload.Generator.Validation;

/// <summary>
/// What a <c>[RunInWorkerProcess]</c> method takes and returns: every argument, progress report and result must cross a
/// process boundary (OFFLOAD0004 to OFFLOAD0007, OFFLOAD0011, OFFLOAD0020).
/// </summary>
internal static class SignatureValidator
{
    /// <summary>OFFLOAD0004, OFFLOAD0005, OFFLOAD0006, OFFLOAD0011 and OFFLOAD0020, parameter by parameter.</summary>
    public static void ValidateParameters(IMethodSymbol method, bool isGeneric, Action<Diagnostic> report)
    {
        var seenCancellationToken = false;
        var seenProgress = false;
        foreach (var parameter in method.Parameters)
        {
            var location = parameter.Locations.FirstOrDefault() ?? Location.None;
            var refModifier = DescribeRefKind(parameter.RefKind);
            if (refModifier is not null)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.ByRefParameter, location, parameter.Name, MethodValidator.Display(method), refModifier));
            }

            var type = parameter.Type;
            switch (TypeShapes.ClassifyParameter(type, out var typeArgument))
            {
                case ParameterKind.CancellationToken:
                    // The first token is bound to the call's token on the worker side; there is nothing to bind a second to.
                    if (seenCancellationToken)
                    {
                        report(Diagnostic.Create(DiagnosticDescriptors.MultipleCancellationTokens, location, parameter.Name, MethodValidator.Display(method)));
                    }

                    seenCancellationToken = true;
                    continue;
                case ParameterKind.Logger:
                    // Bound in the worker to a logger of the pool's factory; a second one is pointless but harmless.
                    continue;
                case ParameterKind.Progress:
                    // A call has one channel of progress reports back to one IProgress<T> of the caller.
                    if (seenProgress)
                    {
                        report(Diagnostic.Create(DiagnosticDescriptors.MultipleProgressParameters, location, parameter.Name, MethodValidator.Display(method)));
                    }

                    seenProgress = true;
                    ReportIfNotSerializable(typeArgument!, $"progress report type of parameter '{parameter.Name}'", method, location, isGeneric, report);
                    continue;
            }

            var neverCrosses = DescribeProcessBound(type);
            if (neverCrosses is not null)
            {
                report(Diagnostic.Create(
                    DiagnosticDescriptors.ParameterCannotCrossProcess, location, parameter.Name, MethodValidator.Display(method), MemoryPackTypeChecker.Display(type), neverCrosses));
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
    public static void ValidateReturn(IMethodSymbol method, bool isGeneric, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        var location = MethodValidator.GetReturnTypeLocation(method, cancellationToken);
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
            report(Diagnostic.Create(DiagnosticDescriptors.UnsupportedReturn, location, MethodValidator.Display(method), MethodValidator.DisplayReturnType(method), unsupported));
            return;
        }

        if (resultType is not null)
        {
            ReportIfNotSerializable(resultType, returnKind == ReturnKind.Stream ? "streamed item type" : "return value", method, location, isGeneric, report);
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

        // A plain IAsyncEnumerable<T> is a stream (ReturnKind.Stream); one inside a task would be a stream the worker
        // has to await first, a shape with nothing to gain.
        if (TypeShapes.IsAsyncEnumerable(named))
        {
            return "a stream cannot be returned through a task; return IAsyncEnumerable<T> directly";
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

        // [MemoryPackable] is advice only for a type the user can mark: one declared in this compilation's source, and
        // not an interface or abstract class, which MemoryPack cannot create, nor a delegate. For any other, the way
        // out is to send the data it holds.
        var unmarkable = DescribeUnmarkable(problem.OffendingType);
        report(unmarkable is null
            ? Diagnostic.Create(
                DiagnosticDescriptors.NotSerializable, location, what, MethodValidator.Display(method), MemoryPackTypeChecker.Display(type), problem.Reason)
            : Diagnostic.Create(
                DiagnosticDescriptors.NotSerializableUnmarkable, location, what, MethodValidator.Display(method), MemoryPackTypeChecker.Display(type), problem.Reason, unmarkable));
    }

    /// <summary>
    /// Why <paramref name="type"/> cannot be made serializable by marking it, phrased to follow the type's name in
    /// OFFLOAD0006 (<c>'Stream' is declared in another assembly</c>); or null when the user can mark it.
    /// </summary>
    private static string? DescribeUnmarkable(ITypeSymbol type)
    {
        // Arrays, pointers and the like have nothing to mark, but their messages say what is wrong with them already.
        if (type is not INamedTypeSymbol named || named.TypeKind == TypeKind.Error)
        {
            return null;
        }

        var display = MemoryPackTypeChecker.Display(type);
        if (!named.Locations.Any(static location => location.IsInSource))
        {
            return $"'{display}' is declared in another assembly and cannot be marked serializable here";
        }

        return named.TypeKind switch
        {
            TypeKind.Interface => $"'{display}' is an interface, and a worker could not tell which implementation to create",
            TypeKind.Delegate => $"'{display}' is a delegate, which refers to code and objects of the calling process",
            TypeKind.Class when named.IsAbstract => $"'{display}' is abstract, and a worker could not tell which derived type to create",
            _ => null,
        };
    }
}
