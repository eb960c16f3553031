using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Offload.Generator.Tests.Infrastructure;

/// <summary>Compiles C# source against the running .NET, Offload and MemoryPack, and runs <see cref="OffloadAnalyzer"/> over it.</summary>
internal static class AnalyzerRunner
{
    /// <summary>
    /// The trusted platform assemblies are exactly what this test process runs on (the shared framework plus the
    /// test's own dependencies), so test sources see the same BCL, Offload and MemoryPack the tests were built against.
    /// </summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(OffloadPath)
            .Append(typeof(MemoryPack.MemoryPackableAttribute).Assembly.Location)
            .Select(Path.GetFullPath)
            .Distinct(StringComparer.Ordinal);
        return [.. paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    });

    private static string OffloadPath => Path.GetFullPath(typeof(RunInWorkerProcessAttribute).Assembly.Location);

    /// <summary>
    /// Builds a compilation of <paramref name="source"/> as a library, with unsafe code allowed; without
    /// <paramref name="referenceOffload"/> it misses Offload.dll, like a project that does not use Offload.
    /// </summary>
    public static CSharpCompilation CreateCompilation(string source, bool referenceOffload = true)
    {
        var tree = CSharpSyntaxTree.ParseText(
            source,
            new CSharpParseOptions(LanguageVersion.Latest),
            path: "Test.cs");
        return CSharpCompilation.Create(
            "TestAssembly",
            [tree],
            referenceOffload
                ? References.Value
                : References.Value.Where(reference => !string.Equals(reference.Display, OffloadPath, StringComparison.Ordinal)),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>
    /// Runs the analyzer and returns its diagnostics ordered by position then id. The source must compile without
    /// errors, so that a typo in a test cannot make it pass by accident.
    /// </summary>
    public static async Task<ImmutableArray<Diagnostic>> RunAsync(string source, bool referenceOffload = true)
    {
        var compilation = CreateCompilation(source, referenceOffload);
        var compilerErrors = compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(compilerErrors.Length == 0, "The test source does not compile:\n" + string.Join("\n", compilerErrors.Select(error => error.ToString())));

        // Without this hook an exception in the analyzer becomes an AD0001 warning that a test could overlook.
        var analyzerExceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, _, _) =>
            {
                lock (analyzerExceptions)
                {
                    analyzerExceptions.Add(exception);
                }
            },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var diagnostics = await compilation
            .WithAnalyzers([new OffloadAnalyzer()], options)
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(analyzerExceptions);
        return [.. diagnostics.OrderBy(diagnostic => diagnostic.Location.SourceSpan.Start).ThenBy(diagnostic => diagnostic.Id, StringComparer.Ordinal)];
    }

    /// <summary>The source text a location covers.</summary>
    public static string GetSpanText(Location location) =>
        location.SourceTree!.GetText().ToString(location.SourceSpan);
}
