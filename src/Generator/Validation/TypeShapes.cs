using System.Linq;
using Microsoft.CodeAnalysis;
using Offload.Generator.Model;

namespace Offload.Generator.Validation;

/// <summary>Shape questions that the generator and the analyzer must answer the same way.</summary>
internal static class TypeShapes
{
    public const string AttributeMetadataName = "Offload.RunInWorkerProcessAttribute";

    public const string InitializerAttributeMetadataName = "Offload.WorkerInitializerAttribute";

    /// <summary>The <c>[WorkerInitializer]</c> setting that orders initializers.</summary>
    public const string InitializerOrderName = "Order";

    /// <summary>The attribute's setting copied into the descriptor's <c>MaxRetries</c>.</summary>
    public const string MaxRetriesName = "MaxRetries";

    /// <summary>The attribute's setting copied into the descriptor's <c>RetryOnException</c>.</summary>
    public const string RetryOnExceptionName = "RetryOnException";

    /// <summary>The attribute's setting copied into the descriptor's <c>Timeout</c>.</summary>
    public const string TimeoutMillisecondsName = "TimeoutMilliseconds";

    /// <summary>The most retries <c>MaxRetries</c> may ask for; the runtime documents the same bound.</summary>
    public const int MaxRetriesLimit = 100;

    /// <summary>Classifies a method's return type; <paramref name="resultType"/> is the value type carried back, if any.</summary>
    public static ReturnKind ClassifyReturn(IMethodSymbol method, out ITypeSymbol? resultType)
    {
        resultType = null;
        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            return ReturnKind.Unsupported;
        }

        var type = method.ReturnType;
        if (type.SpecialType == SpecialType.System_Void)
        {
            return ReturnKind.Void;
        }

        if (type is INamedTypeSymbol named && IsInNamespace(named, "System", "Threading", "Tasks"))
        {
            switch (named.MetadataName)
            {
                case "Task":
                    return ReturnKind.Task;
                case "ValueTask":
                    return ReturnKind.ValueTask;
                case "Task`1":
                    resultType = named.TypeArguments[0];
                    return ReturnKind.TaskOfT;
                case "ValueTask`1":
                    resultType = named.TypeArguments[0];
                    return ReturnKind.ValueTaskOfT;
            }
        }

        if (IsAsyncEnumerable(type))
        {
            resultType = ((INamedTypeSymbol)type).TypeArguments[0];
            return ReturnKind.Stream;
        }

        resultType = type;
        return ReturnKind.Value;
    }

    /// <summary>True for <c>System.Collections.Generic.IAsyncEnumerable&lt;T&gt;</c>.</summary>
    public static bool IsAsyncEnumerable(ITypeSymbol type) =>
        type is INamedTypeSymbol { MetadataName: "IAsyncEnumerable`1" } named && IsInNamespace(named, "System", "Collections", "Generic");

    /// <summary>
    /// Whether a parameter is sent to the worker or bound there: a <c>CancellationToken</c>, an
    /// <c>IProgress&lt;T&gt;</c> (<paramref name="typeArgument"/> is the report type), or
    /// <c>Microsoft.Extensions.Logging</c>'s <c>ILogger</c> or <c>ILogger&lt;T&gt;</c> (<paramref name="typeArgument"/>
    /// is the category type, or null). A look-alike in another namespace is an ordinary argument.
    /// </summary>
    public static ParameterKind ClassifyParameter(ITypeSymbol type, out ITypeSymbol? typeArgument)
    {
        typeArgument = null;
        if (IsCancellationToken(type))
        {
            return ParameterKind.CancellationToken;
        }

        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Interface } named)
        {
            return ParameterKind.Sent;
        }

        if (named.MetadataName == "IProgress`1" && IsInNamespace(named, "System"))
        {
            typeArgument = named.TypeArguments[0];
            return ParameterKind.Progress;
        }

        if (named.MetadataName is "ILogger" or "ILogger`1" && IsInNamespace(named, "Microsoft", "Extensions", "Logging"))
        {
            typeArgument = named.IsGenericType ? named.TypeArguments[0] : null;
            return ParameterKind.Logger;
        }

        return ParameterKind.Sent;
    }

    /// <summary>True for <c>System.Threading.CancellationToken</c>: such a parameter is not sent but bound to the call's token.</summary>
    public static bool IsCancellationToken(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "CancellationToken" } named && IsInNamespace(named, "System", "Threading");

    /// <summary>
    /// True for <c>bool</c>, <c>char</c> and the primitive integer and floating-point types. MemoryPack writes these as
    /// their raw little-endian bytes whichever way it is asked to, so the arguments struct writes them with
    /// <c>WriteUnmanaged</c>: the same bytes, without <c>WriteValue</c>'s formatter lookup and generic virtual call,
    /// which cost more than the value itself in a map of many small items.
    /// </summary>
    public static bool IsPrimitive(ITypeSymbol type) => type.SpecialType is
        SpecialType.System_Boolean or SpecialType.System_Char or
        SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16 or
        SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64 or
        SpecialType.System_Single or SpecialType.System_Double;

    /// <summary>
    /// The names of the map companions <paramref name="method"/> gets (see <see cref="CompanionNames.Maps"/>), for the
    /// analyzer, which looks at symbols; the generator asks <see cref="CompanionNames"/> with its model's values.
    /// </summary>
    public static string[] GetMapCompanionNames(IMethodSymbol method) =>
        CompanionNames.Maps(
            method.Name,
            hasMaps: CompanionNames.HasMaps(
                hasArguments: method.Parameters.Any(parameter => ClassifyParameter(parameter.Type, out _) == ParameterKind.Sent),
                isStream: ClassifyReturn(method, out _) == ReturnKind.Stream,
                hasProgress: method.Parameters.Any(parameter => ClassifyParameter(parameter.Type, out _) == ParameterKind.Progress)),
            hasResult: HasResult(ClassifyReturn(method, out _)));

    /// <summary>
    /// True when every type <paramref name="type"/> is built from (itself, its containing types, its type arguments,
    /// its element type) can be named anywhere in the assembly; false when one is a <c>private</c>, <c>protected</c>,
    /// <c>private protected</c> or <c>file</c> type, which only code inside some type (or file) may name.
    /// </summary>
    public static bool IsVisibleThroughoutAssembly(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return IsVisibleThroughoutAssembly(array.ElementType);
            case IPointerTypeSymbol pointer:
                return IsVisibleThroughoutAssembly(pointer.PointedAtType);
            case INamedTypeSymbol named:
                for (var current = named; current is not null; current = current.ContainingType)
                {
                    if (current.IsFileLocal || current.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                    {
                        return false;
                    }
                }

                return named.TypeArguments.All(IsVisibleThroughoutAssembly);
            default:
                return true;
        }
    }

    /// <summary>True when the method carries a value back (a plain value, <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c>).</summary>
    public static bool HasResult(ReturnKind kind) => kind is ReturnKind.Value or ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT;

    /// <summary>
    /// The value given to the named argument <paramref name="name"/> (<c>[RunInWorkerProcess(MaxRetries = 2)]</c>), or
    /// <paramref name="defaultValue"/> when it is not given or does not bind (the compiler reports that one).
    /// </summary>
    public static T GetNamedArgument<T>(AttributeData attribute, string name, T defaultValue)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Kind != TypedConstantKind.Error && argument.Value.Value is T value)
            {
                return value;
            }
        }

        return defaultValue;
    }

    /// <summary>True when <paramref name="symbol"/> sits directly in the namespace named by <paramref name="parts"/>.</summary>
    public static bool IsInNamespace(ISymbol symbol, params string[] parts)
    {
        var ns = symbol.ContainingNamespace;
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            if (ns is null || ns.Name != parts[i])
            {
                return false;
            }

            ns = ns.ContainingNamespace;
        }

        return ns is not null && ns.IsGlobalNamespace;
    }
}
