using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Offload.Generator.Validation;

/// <summary>
/// Decides, from symbols alone, whether MemoryPack 1.21.4 can serialize a type: the types its built-in formatters
/// cover, unmanaged structs, and types marked <c>[MemoryPackable]</c> or <c>[MemoryPackUnion]</c>.
/// </summary>
/// <remarks>
/// This mirrors MemoryPack's formatter provider rather than asking it, because the generator runs inside the
/// compiler and cannot load the user's MemoryPack. When MemoryPack gains formatters, add them to the tables below.
/// </remarks>
internal static class MemoryPackTypeChecker
{
    /// <summary>MemoryPack serializes arrays of up to four dimensions.</summary>
    private const int MaxArrayRank = 4;

    /// <summary>Non-generic framework types with a built-in formatter (those that are not unmanaged structs anyway).</summary>
    private static readonly HashSet<string> KnownTypes = new(StringComparer.Ordinal)
    {
        "System.Guid",
        "System.DateTime",
        "System.DateTimeOffset",
        "System.TimeSpan",
        "System.DateOnly",
        "System.TimeOnly",
        "System.Half",
        "System.Int128",
        "System.UInt128",
        "System.Version",
        "System.Uri",
        "System.TimeZoneInfo",
        "System.Type",
        "System.Numerics.BigInteger",
        "System.Numerics.Complex",
        "System.Numerics.Vector2",
        "System.Numerics.Vector3",
        "System.Numerics.Vector4",
        "System.Numerics.Matrix3x2",
        "System.Numerics.Matrix4x4",
        "System.Numerics.Plane",
        "System.Numerics.Quaternion",
        "System.Text.StringBuilder",
        "System.Text.Rune",
        "System.Collections.BitArray",
        "System.Globalization.CultureInfo",
    };

    /// <summary>Generic framework types with a built-in formatter, serializable when all their type arguments are.</summary>
    private static readonly HashSet<string> KnownGenericTypes = new(StringComparer.Ordinal)
    {
        "System.ArraySegment`1",
        "System.Memory`1",
        "System.ReadOnlyMemory`1",
        "System.Lazy`1",
        "System.Tuple`1",
        "System.Tuple`2",
        "System.Tuple`3",
        "System.Tuple`4",
        "System.Tuple`5",
        "System.Tuple`6",
        "System.Tuple`7",
        "System.Tuple`8",
        "System.ValueTuple`1",
        "System.ValueTuple`2",
        "System.ValueTuple`3",
        "System.ValueTuple`4",
        "System.ValueTuple`5",
        "System.ValueTuple`6",
        "System.ValueTuple`7",
        "System.ValueTuple`8",
        "System.Numerics.Vector`1",
        "System.Buffers.ReadOnlySequence`1",
        "System.Collections.Generic.List`1",
        "System.Collections.Generic.Stack`1",
        "System.Collections.Generic.Queue`1",
        "System.Collections.Generic.LinkedList`1",
        "System.Collections.Generic.HashSet`1",
        "System.Collections.Generic.SortedSet`1",
        "System.Collections.Generic.PriorityQueue`2",
        "System.Collections.Generic.Dictionary`2",
        "System.Collections.Generic.SortedDictionary`2",
        "System.Collections.Generic.SortedList`2",
        "System.Collections.Generic.KeyValuePair`2",
        "System.Collections.Generic.IEnumerable`1",
        "System.Collections.Generic.ICollection`1",
        "System.Collections.Generic.IReadOnlyCollection`1",
        "System.Collections.Generic.IList`1",
        "System.Collections.Generic.IReadOnlyList`1",
        "System.Collections.Generic.IDictionary`2",
        "System.Collections.Generic.IReadOnlyDictionary`2",
        "System.Collections.Generic.ISet`1",
        "System.Collections.Generic.IReadOnlySet`1",
        "System.Linq.ILookup`2",
        "System.Linq.IGrouping`2",
        "System.Collections.ObjectModel.ObservableCollection`1",
        "System.Collections.ObjectModel.Collection`1",
        "System.Collections.ObjectModel.ReadOnlyCollection`1",
        "System.Collections.ObjectModel.ReadOnlyObservableCollection`1",
        "System.Collections.Concurrent.ConcurrentQueue`1",
        "System.Collections.Concurrent.ConcurrentStack`1",
        "System.Collections.Concurrent.ConcurrentBag`1",
        "System.Collections.Concurrent.ConcurrentDictionary`2",
        "System.Collections.Concurrent.BlockingCollection`1",
        "System.Collections.Frozen.FrozenDictionary`2",
        "System.Collections.Frozen.FrozenSet`1",
        "System.Collections.Immutable.ImmutableArray`1",
        "System.Collections.Immutable.ImmutableList`1",
        "System.Collections.Immutable.ImmutableQueue`1",
        "System.Collections.Immutable.ImmutableStack`1",
        "System.Collections.Immutable.ImmutableDictionary`2",
        "System.Collections.Immutable.ImmutableSortedDictionary`2",
        "System.Collections.Immutable.ImmutableSortedSet`1",
        "System.Collections.Immutable.ImmutableHashSet`1",
        "System.Collections.Immutable.IImmutableList`1",
        "System.Collections.Immutable.IImmutableQueue`1",
        "System.Collections.Immutable.IImmutableStack`1",
        "System.Collections.Immutable.IImmutableDictionary`2",
        "System.Collections.Immutable.IImmutableSet`1",
    };

    /// <summary>
    /// Returns <see langword="null"/> when MemoryPack can serialize <paramref name="type"/>, otherwise what stops it.
    /// </summary>
    public static UnserializableType? FindProblem(ITypeSymbol type)
    {
        var problem = FindProblem(type, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));
        if (problem is null)
        {
            return null;
        }

        var (offendingType, why) = problem.Value;
        var reason = SymbolEqualityComparer.Default.Equals(offendingType, type)
            ? $"{Display(type)} {why}"
            : $"{Display(type)}: {Display(offendingType)} {why}";
        return new UnserializableType(offendingType, reason);
    }

    /// <summary>The display used in diagnostics: C#-style and short (<c>List&lt;Foo&gt;</c>, <c>int[]</c>).</summary>
    public static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    private static (ITypeSymbol Type, string Why)? FindProblem(ITypeSymbol type, HashSet<ITypeSymbol> visited)
    {
        // A type already on the way down (or already cleared) is judged by its first visit; this also keeps a
        // [MemoryPackable] type whose type arguments mention itself from recursing forever.
        if (!visited.Add(type))
        {
            return null;
        }

        switch (type.TypeKind)
        {
            case TypeKind.Error:
                // The compiler already reports the unknown type; piling a second error on it only adds noise.
                return null;
            case TypeKind.TypeParameter:
                return (type, "is a type parameter");
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                return (type, "is a pointer");
            case TypeKind.Delegate:
                return (type, "is a delegate");
            case TypeKind.Dynamic:
                return (type, "is not serializable");
            case TypeKind.Enum:
                return null;
            case TypeKind.Array:
                var array = (IArrayTypeSymbol)type;
                return array.Rank > MaxArrayRank
                    ? (type, $"has more than {MaxArrayRank} dimensions")
                    : FindProblem(array.ElementType, visited);
        }

        if (type.IsRefLikeType)
        {
            return (type, "is a ref struct");
        }

        if (IsBuiltIn(type.SpecialType) || (type.TypeKind == TypeKind.Struct && type.IsUnmanagedType))
        {
            return null;
        }

        if (type is not INamedTypeSymbol named)
        {
            return (type, "is not serializable");
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return FindProblem(named.TypeArguments[0], visited);
        }

        if (IsMarkedSerializable(named))
        {
            // MemoryPack's own generator checks the members; a generic [MemoryPackable] type still needs
            // serializable type arguments.
            return FindProblemInTypeArguments(named, visited);
        }

        var fullName = GetFullMetadataName(named);
        if (fullName is null)
        {
            return (type, "is not serializable");
        }

        if (!named.IsGenericType)
        {
            return KnownTypes.Contains(fullName) ? null : (type, "is not serializable");
        }

        return KnownGenericTypes.Contains(fullName)
            ? FindProblemInTypeArguments(named, visited)
            : (type, "is not serializable");
    }

    private static (ITypeSymbol Type, string Why)? FindProblemInTypeArguments(INamedTypeSymbol type, HashSet<ITypeSymbol> visited)
    {
        foreach (var argument in type.TypeArguments)
        {
            var problem = FindProblem(argument, visited);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static bool IsBuiltIn(SpecialType specialType) => specialType switch
    {
        SpecialType.System_Boolean or SpecialType.System_Char or SpecialType.System_SByte or SpecialType.System_Byte
            or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32
            or SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Single or SpecialType.System_Double
            or SpecialType.System_Decimal or SpecialType.System_IntPtr or SpecialType.System_UIntPtr
            or SpecialType.System_String or SpecialType.System_DateTime => true,
        _ => false,
    };

    private static bool IsMarkedSerializable(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "MemoryPackableAttribute" or "MemoryPackUnionAttribute" } attributeClass
                && TypeShapes.IsInNamespace(attributeClass, "MemoryPack"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>Namespace.Name`N</c> for a top-level type; <see langword="null"/> for nested types, which no table lists.</summary>
    private static string? GetFullMetadataName(INamedTypeSymbol type)
    {
        if (type.ContainingType is not null)
        {
            return null;
        }

        var ns = type.ContainingNamespace;
        return ns is null || ns.IsGlobalNamespace ? type.MetadataName : ns.ToDisplayString() + "." + type.MetadataName;
    }
}

/// <summary>Why MemoryPack cannot serialize a type.</summary>
internal sealed class UnserializableType
{
    public UnserializableType(ITypeSymbol offendingType, string reason)
    {
        OffendingType = offendingType;
        Reason = reason;
    }

    /// <summary>The innermost type that cannot be serialized (<c>Foo</c> in <c>List&lt;Foo&gt;</c>).</summary>
    public ITypeSymbol OffendingType { get; }

    /// <summary>A reason that names the type checked and the offending type, e.g. <c>List&lt;Foo&gt;: Foo is not serializable</c>.</summary>
    public string Reason { get; }
}
