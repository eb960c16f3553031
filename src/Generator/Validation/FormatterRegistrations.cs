using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Offload.Generator.Validation;

/// <summary>
/// The MemoryPack formatter registrations a method's signature needs in a NativeAOT app. MemoryPack finds a formatter
/// the first time a type is serialized: by reflection for a <c>[MemoryPackable]</c> type, and with
/// <c>MakeGenericType</c> for arrays, collections, tuples, nullables, enums and other unmanaged structs. NativeAOT can
/// do neither for a type the program never named (a worker reading its first argument), so the generated code names
/// each formatter up front: the one MemoryPack would pick at run time, or one that writes the same bytes (an array of
/// unmanaged elements gets <c>ArrayFormatter</c>, which copies them as one block, as MemoryPack's own generator does).
/// </summary>
/// <remarks>
/// Like <see cref="MemoryPackTypeChecker"/>, this mirrors MemoryPack 1.21.4 (its <c>MemoryPack.Formatters</c>
/// namespace and its provider's order of choices): unmanaged value types first, then arrays, then the generic types
/// below. MemoryPack registers the primitives, <c>string</c> and its other well-known types itself.
/// </remarks>
internal static class FormatterRegistrations
{
    private const string Provider = "global::MemoryPack.MemoryPackFormatterProvider";
    private const string Formatters = "global::MemoryPack.Formatters.";
    private const string Add = "global::Offload.CompilerServices.FormatterRegistration.Add";

    /// <summary>Generic framework types (metadata names) and the MemoryPack formatter each gets, with the same type arguments.</summary>
    private static readonly Dictionary<string, string> GenericFormatters = new(StringComparer.Ordinal)
    {
        ["System.ArraySegment`1"] = "ArraySegmentFormatter",
        ["System.Memory`1"] = "MemoryFormatter",
        ["System.ReadOnlyMemory`1"] = "ReadOnlyMemoryFormatter",
        ["System.Lazy`1"] = "LazyFormatter",
        ["System.Nullable`1"] = "NullableFormatter",
        ["System.Buffers.ReadOnlySequence`1"] = "ReadOnlySequenceFormatter",
        ["System.Collections.Generic.List`1"] = "ListFormatter",
        ["System.Collections.Generic.Stack`1"] = "StackFormatter",
        ["System.Collections.Generic.Queue`1"] = "QueueFormatter",
        ["System.Collections.Generic.LinkedList`1"] = "LinkedListFormatter",
        ["System.Collections.Generic.HashSet`1"] = "HashSetFormatter",
        ["System.Collections.Generic.SortedSet`1"] = "SortedSetFormatter",
        ["System.Collections.Generic.PriorityQueue`2"] = "PriorityQueueFormatter",
        ["System.Collections.Generic.Dictionary`2"] = "DictionaryFormatter",
        ["System.Collections.Generic.SortedDictionary`2"] = "SortedDictionaryFormatter",
        ["System.Collections.Generic.SortedList`2"] = "SortedListFormatter",
        ["System.Collections.Generic.KeyValuePair`2"] = "KeyValuePairFormatter",
        ["System.Collections.Generic.IEnumerable`1"] = "InterfaceEnumerableFormatter",
        ["System.Collections.Generic.ICollection`1"] = "InterfaceCollectionFormatter",
        ["System.Collections.Generic.IReadOnlyCollection`1"] = "InterfaceReadOnlyCollectionFormatter",
        ["System.Collections.Generic.IList`1"] = "InterfaceListFormatter",
        ["System.Collections.Generic.IReadOnlyList`1"] = "InterfaceReadOnlyListFormatter",
        ["System.Collections.Generic.IDictionary`2"] = "InterfaceDictionaryFormatter",
        ["System.Collections.Generic.IReadOnlyDictionary`2"] = "InterfaceReadOnlyDictionaryFormatter",
        ["System.Collections.Generic.ISet`1"] = "InterfaceSetFormatter",
        ["System.Collections.Generic.IReadOnlySet`1"] = "InterfaceReadOnlySetFormatter",
        ["System.Linq.ILookup`2"] = "InterfaceLookupFormatter",
        ["System.Linq.IGrouping`2"] = "InterfaceGroupingFormatter",
        ["System.Collections.ObjectModel.ObservableCollection`1"] = "ObservableCollectionFormatter",
        ["System.Collections.ObjectModel.Collection`1"] = "CollectionFormatter",
        ["System.Collections.ObjectModel.ReadOnlyCollection`1"] = "ReadOnlyCollectionFormatter",
        ["System.Collections.ObjectModel.ReadOnlyObservableCollection`1"] = "ReadOnlyObservableCollectionFormatter",
        ["System.Collections.Concurrent.ConcurrentQueue`1"] = "ConcurrentQueueFormatter",
        ["System.Collections.Concurrent.ConcurrentStack`1"] = "ConcurrentStackFormatter",
        ["System.Collections.Concurrent.ConcurrentBag`1"] = "ConcurrentBagFormatter",
        ["System.Collections.Concurrent.ConcurrentDictionary`2"] = "ConcurrentDictionaryFormatter",
        ["System.Collections.Concurrent.BlockingCollection`1"] = "BlockingCollectionFormatter",
        ["System.Collections.Frozen.FrozenDictionary`2"] = "FrozenDictionaryFormatter",
        ["System.Collections.Frozen.FrozenSet`1"] = "FrozenSetFormatter",
        ["System.Collections.Immutable.ImmutableArray`1"] = "ImmutableArrayFormatter",
        ["System.Collections.Immutable.ImmutableList`1"] = "ImmutableListFormatter",
        ["System.Collections.Immutable.ImmutableQueue`1"] = "ImmutableQueueFormatter",
        ["System.Collections.Immutable.ImmutableStack`1"] = "ImmutableStackFormatter",
        ["System.Collections.Immutable.ImmutableDictionary`2"] = "ImmutableDictionaryFormatter",
        ["System.Collections.Immutable.ImmutableSortedDictionary`2"] = "ImmutableSortedDictionaryFormatter",
        ["System.Collections.Immutable.ImmutableSortedSet`1"] = "ImmutableSortedSetFormatter",
        ["System.Collections.Immutable.ImmutableHashSet`1"] = "ImmutableHashSetFormatter",
        ["System.Collections.Immutable.IImmutableList`1"] = "InterfaceImmutableListFormatter",
        ["System.Collections.Immutable.IImmutableQueue`1"] = "InterfaceImmutableQueueFormatter",
        ["System.Collections.Immutable.IImmutableStack`1"] = "InterfaceImmutableStackFormatter",
        ["System.Collections.Immutable.IImmutableDictionary`2"] = "InterfaceImmutableDictionaryFormatter",
        ["System.Collections.Immutable.IImmutableSet`1"] = "InterfaceImmutableSetFormatter",
    };

    /// <summary>The value of <c>MemoryPack.GenerateType.NoGenerate</c>.</summary>
    private const int NoGenerate = 4;

    /// <summary>MemoryPack's multi-dimensional array formatters, by rank.</summary>
    private static readonly string[] ArrayFormatters = ["ArrayFormatter", "TwoDimensionalArrayFormatter", "ThreeDimensionalArrayFormatter", "FourDimensionalArrayFormatter"];

    /// <summary>
    /// Adds to <paramref name="into"/> one statement per formatter <paramref name="type"/> needs: its own and those of
    /// its type arguments and array elements, all the way down.
    /// </summary>
    public static void Collect(ITypeSymbol type, ISet<string> into, SymbolDisplayFormat format)
    {
        var name = Name(type, format);
        switch (type)
        {
            case IArrayTypeSymbol array when array.Rank <= ArrayFormatters.Length:
                into.Add(Statement(ArrayFormatters[array.Rank - 1], Name(array.ElementType, format)));
                Collect(array.ElementType, into, format);
                return;
            case INamedTypeSymbol { TypeKind: TypeKind.Enum }:
                into.Add(Statement("DangerousUnmanagedFormatter", name));
                return;
            case INamedTypeSymbol named when named.SpecialType != SpecialType.None || named.TypeKind is TypeKind.Error:
                // Primitives, string and object: MemoryPack's own well-known registrations.
                return;
            case INamedTypeSymbol named when IsPackable(named):
                // A union's abstract base class registers its union formatter the same way; an interface cannot be a
                // type argument here, and its formatter is left to MemoryPack.
                if (named.TypeKind is TypeKind.Class or TypeKind.Struct)
                {
                    into.Add($"{Provider}.Register<{name}>();");
                }

                CollectTypeArguments(named, into, format);
                return;
            case INamedTypeSymbol { TypeKind: TypeKind.Struct, IsUnmanagedType: true } named:
                // MemoryPack copies any struct without references as raw memory, generic ones (KeyValuePair<int, int>,
                // (int, double), int?) included, before it looks for a formatter of its own.
                into.Add(Statement("DangerousUnmanagedFormatter", name));
                CollectTypeArguments(named, into, format);
                return;
            case INamedTypeSymbol { IsGenericType: true } named when GenericFormatters.TryGetValue(MetadataName(named.OriginalDefinition), out var formatter)
                || TupleFormatter(named, out formatter):
                into.Add(Statement(formatter!, string.Join(", ", named.TypeArguments.Select(a => Name(a, format)))));
                CollectTypeArguments(named, into, format);
                return;
        }
    }

    private static void CollectTypeArguments(INamedTypeSymbol type, ISet<string> into, SymbolDisplayFormat format)
    {
        foreach (var argument in type.TypeArguments)
        {
            Collect(argument, into, format);
        }
    }

    private static bool TupleFormatter(INamedTypeSymbol type, out string? formatter)
    {
        var definition = MetadataName(type.OriginalDefinition);
        formatter = definition.StartsWith("System.Tuple`", StringComparison.Ordinal) ? "TupleFormatter"
            : definition.StartsWith("System.ValueTuple`", StringComparison.Ordinal) ? "ValueTupleFormatter"
            : null;
        return formatter is not null;
    }

    private static string Statement(string formatter, string typeArguments) =>
        $"{Add}(new {Formatters}{formatter}<{typeArguments}>());";

    /// <summary>The type as C# names it in generated code: fully qualified, tuples as <c>ValueTuple</c> of their own types.</summary>
    private static string Name(ITypeSymbol type, SymbolDisplayFormat format) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(format);

    private static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

    /// <summary>
    /// Marked <c>[MemoryPackable]</c> in source (but not <c>GenerateType.NoGenerate</c>, for which MemoryPack generates
    /// nothing and the app registers its own formatter), or compiled with MemoryPack's registration in a referenced
    /// assembly.
    /// </summary>
    private static bool IsPackable(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "MemoryPackableAttribute" } attributeClass && TypeShapes.IsInNamespace(attributeClass, "MemoryPack"))
            {
                return !attribute.ConstructorArguments.Any(static a => a.Type is { Name: "GenerateType" } && a.Value is NoGenerate);
            }
        }

        return type.AllInterfaces.Any(static i => i.Name == "IMemoryPackFormatterRegister" && TypeShapes.IsInNamespace(i, "MemoryPack"));
    }
}
