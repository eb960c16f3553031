using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Offload.Generator.Diagnostics;
using Offload.Generator.Validation;

namespace Offload.Generator;

/// <summary>
/// Reports why a <c>[RunInWorkerProcess]</c> method cannot run in a worker process. The generator skips such methods
/// without a word (see <see cref="MethodValidator.IsValid"/>), so this analyzer is where the user learns why.
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
        if (attributeType is null)
        {
            return;
        }

        context.RegisterSymbolAction(
            symbolContext =>
            {
                var method = (IMethodSymbol)symbolContext.Symbol;
                if (HasAttribute(method, attributeType))
                {
                    MethodValidator.Validate(method, symbolContext.ReportDiagnostic, symbolContext.CancellationToken);
                }
            },
            SymbolKind.Method);

        // Symbol actions never see local functions and lambdas, yet the attribute can be written on them.
        context.RegisterSyntaxNodeAction(
            nodeContext =>
            {
                var symbol = nodeContext.Node.IsKind(SyntaxKind.LocalFunctionStatement)
                    ? nodeContext.SemanticModel.GetDeclaredSymbol(nodeContext.Node, nodeContext.CancellationToken)
                    : nodeContext.SemanticModel.GetSymbolInfo(nodeContext.Node, nodeContext.CancellationToken).Symbol;
                if (symbol is IMethodSymbol method && HasAttribute(method, attributeType))
                {
                    MethodValidator.Validate(method, nodeContext.ReportDiagnostic, nodeContext.CancellationToken);
                }
            },
            SyntaxKind.LocalFunctionStatement,
            SyntaxKind.ParenthesizedLambdaExpression);
    }

    private static bool HasAttribute(IMethodSymbol method, INamedTypeSymbol attributeType)
    {
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
