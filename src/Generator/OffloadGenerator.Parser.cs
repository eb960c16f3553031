using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Offload.Generator.Model;
using Offload.Generator.Validation;

namespace Offload.Generator;

public sealed partial class OffloadGenerator
{
    /// <summary>
    /// Turns a method carrying the attribute into a <see cref="MethodModel"/>, and a <c>[WorkerInitializer]</c> method
    /// into an <see cref="InitializerModel"/>; either is null when the method is invalid.
    /// </summary>
    internal static class Parser
    {
        private static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        private static readonly SymbolDisplayFormat Short = SymbolDisplayFormat.MinimallyQualifiedFormat
            .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        public static MethodModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method)
            {
                return null;
            }

            var compilation = context.SemanticModel.Compilation;

            // Invalid methods are the analyzer's to report; the generator skips them without a word.
            if (!MethodValidator.IsValid(method, cancellationToken))
            {
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();

            var containingTypes = new List<ContainingTypeModel>();
            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                containingTypes.Insert(0, new ContainingTypeModel(Keyword(type), type.Name, type.IsStatic));
            }

            var kind = TypeShapes.ClassifyReturn(method, out var resultType);
            var parameters = method.Parameters.Select(ParseParameter).ToArray();

            var containingType = method.ContainingType!;
            var containingFullName = containingType.ToDisplayString(FullyQualified);
            var parameterTypes = string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(FullyQualified)));
            var signature = $"{compilation.AssemblyName}|{containingFullName}.{method.Name}({parameterTypes})";
            var methodId = Fnv1a64(signature);

            var typeDisplay = string.Join(".", containingTypes.Select(t => t.Name));
            var displayName = $"{typeDisplay}.{method.Name}({string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(Short)))})";

            // Overloads share a name, so their files (and only theirs) also carry the id.
            var isOverloaded = containingType.GetMembers(method.Name).Length > 1;
            var typePath = containingFullName.StartsWith("global::", System.StringComparison.Ordinal)
                ? containingFullName.Substring("global::".Length)
                : containingFullName;
            var hintName = isOverloaded
                ? $"{typePath}.{method.Name}.{methodId:x16}.g.cs"
                : $"{typePath}.{method.Name}.g.cs";

            // The method's own CancellationToken and loggers are not companion parameters, so their names are free for
            // the companion's.
            var names = new HashSet<string>(parameters.Where(p => p.IsCompanionParameter).Select(p => p.Name.TrimStart('@')));

            // The formatters the signature's types need are registered by the generated code: MemoryPack would find them
            // by reflection, which NativeAOT cannot do for a type the process has not used yet (a worker reading its
            // first argument).
            // A progress report crosses too, so its type counts; tokens and loggers do not.
            var registrations = new SortedSet<string>(System.StringComparer.Ordinal);
            foreach (var parameter in method.Parameters)
            {
                switch (TypeShapes.ClassifyParameter(parameter.Type, out var typeArgument))
                {
                    case ParameterKind.Sent:
                        FormatterRegistrations.Collect(parameter.Type, registrations, FullyQualified);
                        break;
                    case ParameterKind.Progress:
                        FormatterRegistrations.Collect(typeArgument!, registrations, FullyQualified);
                        break;
                }
            }

            if (resultType is not null)
            {
                FormatterRegistrations.Collect(resultType, registrations, FullyQualified);
            }

            // The arguments struct holds one field per sent argument: a type only its containing type may name (a private
            // nested class, say) keeps the struct there, private, rather than in the internal hidden class (see MethodModel).
            var argumentsInContainingType = method.Parameters.Any(p => TypeShapes.ClassifyParameter(p.Type, out _) == ParameterKind.Sent && !TypeShapes.IsVisibleThroughoutAssembly(p.Type));

            // The attribute allows one use per method, and the validator has already checked its settings.
            var attribute = context.Attributes[0];
            return new MethodModel(
                Namespace: containingType.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                ContainingTypes: new EquatableArray<ContainingTypeModel>(containingTypes),
                ContainingTypeFullName: containingFullName,
                MethodName: method.Name,
                CompanionName: CompanionNames.Call(method.Name),
                Accessibility: AccessibilityText(method.DeclaredAccessibility),
                Parameters: new EquatableArray<ParameterModel>(parameters),
                ReturnKind: kind,
                ResultType: resultType?.ToDisplayString(FullyQualified),
                MethodId: methodId,
                DisplayName: displayName,
                HintName: hintName,
                PoolParameterName: FreeName(names, "pool", "workerPool", "offloadPool"),
                TokenParameterName: FreeName(names, "cancellationToken", "offloadCancellationToken", "callCancellationToken"),
                MaxRetries: TypeShapes.GetNamedArgument(attribute, TypeShapes.MaxRetriesName, 0),
                RetryOnException: TypeShapes.GetNamedArgument(attribute, TypeShapes.RetryOnExceptionName, false),
                TimeoutMilliseconds: TypeShapes.GetNamedArgument(attribute, TypeShapes.TimeoutMillisecondsName, 0),
                BatchMethodId: Fnv1a64(signature + "|batch"),
                MapBaseName: CompanionNames.MapBase(method.Name),
                FormatterRegistrations: new EquatableArray<string>(registrations),
                ArgumentsInContainingType: argumentsInContainingType);
        }

        public static InitializerModel? ParseInitializer(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            // As for methods: invalid initializers are the analyzer's to report, and left out of the dispatcher.
            if (context.TargetSymbol is not IMethodSymbol method || !InitializerValidator.IsValid(method, cancellationToken))
            {
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            return new InitializerModel(
                ContainingTypeFullName: method.ContainingType.ToDisplayString(FullyQualified),
                MethodName: method.Name,
                Order: TypeShapes.GetNamedArgument(context.Attributes[0], TypeShapes.InitializerOrderName, 0),
                ReturnKind: TypeShapes.ClassifyReturn(method, out _));
        }

        private static ParameterModel ParseParameter(IParameterSymbol parameter)
        {
            var kind = TypeShapes.ClassifyParameter(parameter.Type, out var typeArgument);
            return new ParameterModel(
                Escape(parameter.Name),
                parameter.Type.ToDisplayString(FullyQualified),
                kind,
                TypeShapes.IsPrimitive(parameter.Type),
                typeArgument?.ToDisplayString(FullyQualified));
        }

        private static string Keyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            _ => "class",
        };

        private static string AccessibilityText(Accessibility accessibility) => accessibility switch
        {
            Microsoft.CodeAnalysis.Accessibility.Public => "public",
            Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
            Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
            Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
            Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
            _ => "private",
        };

        /// <summary>The name as a C# identifier: a keyword gets an <c>@</c>.</summary>
        internal static string Escape(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static string FreeName(HashSet<string> taken, params string[] candidates)
        {
            foreach (var candidate in candidates)
            {
                if (!taken.Contains(candidate))
                {
                    return candidate;
                }
            }

            var i = 1;
            while (taken.Contains(candidates[0] + i))
            {
                i++;
            }

            return candidates[0] + i;
        }

        /// <summary>64-bit FNV-1a over the UTF-8 bytes: stable across runs, machines and .NET versions.</summary>
        internal static ulong Fnv1a64(string text)
        {
            var hash = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes(text))
            {
                hash ^= b;
                hash *= 1099511628211UL;
            }

            return hash;
        }
    }
}
