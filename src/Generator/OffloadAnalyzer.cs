using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Offload.Generator.Diagnostics;
using Offload.Generator.Validation;

namespace Offload.Generator;

/// <summary>
/// Reports why a <c>[RunInWorkerProcess]</c> method cannot run in a worker process, and why a <c>[WorkerInitializer]</c>
/// method cannot be called by the generated dispatcher. The generator skips such methods without a word (see
/// <see cref="MethodValidator.IsValid"/> and <see cref="InitializerValidator.IsValid"/>), so this analyzer is where
/// the user learns why.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OffloadAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(OnCompilationStart);
    }

    private static void OnCompilationStart(CompilationStartAnalysisContext context)
    {
        // Resolved once per compilation; a project that does not reference Offload has nothing to check.
        var attributeType = context.Compilation.GetTypeByMetadataName(TypeShapes.AttributeMetadataName);
        var initializerType = context.Compilation.GetTypeByMetadataName(TypeShapes.InitializerAttributeMetadataName);
        if (attributeType is null && initializerType is null)
        {
            return;
        }

        context.RegisterSymbolAction(
            symbolContext => Validate((IMethodSymbol)symbolContext.Symbol, attributeType, initializerType, symbolContext.ReportDiagnostic, symbolContext.CancellationToken),
            SymbolKind.Method);

        // Symbol actions never see local functions and lambdas, yet the attributes can be written on them.
        context.RegisterSyntaxNodeAction(
            nodeContext =>
            {
                var symbol = nodeContext.Node.IsKind(SyntaxKind.LocalFunctionStatement)
                    ? nodeContext.SemanticModel.GetDeclaredSymbol(nodeContext.Node, nodeContext.CancellationToken)
                    : nodeContext.SemanticModel.GetSymbolInfo(nodeContext.Node, nodeContext.CancellationToken).Symbol;
                if (symbol is IMethodSymbol method)
                {
                    Validate(method, attributeType, initializerType, nodeContext.ReportDiagnostic, nodeContext.CancellationToken);
                }
            },
            SyntaxKind.LocalFunctionStatement,
            SyntaxKind.ParenthesizedLambdaExpression);
    }

    /// <summary>Runs the validator of each Offload attribute the method carries; a method may carry both.</summary>
    private static void Validate(
        IMethodSymbol method, INamedTypeSymbol? attributeType, INamedTypeSymbol? initializerType, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        if (HasAttribute(method, attributeType))
        {
            MethodValidator.Validate(method, report, cancellationToken);
        }

        if (HasAttribute(method, initializerType))
        {
            InitializerValidator.Validate(method, report, cancellationToken);
        }
    }

    private static bool HasAttribute(IMethodSymbol method, INamedTypeSymbol? attributeType)
    {
        // An Offload too old to declare the attribute has no such methods to check.
        if (attributeType is null)
        {
            return false;
        }

        foreach (var attribute in method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
            {
                return true;
            }
        }

        return false;
    }
}
