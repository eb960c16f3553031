using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Offload.Generator.Tests.Infrastructure;

/// <summary>One file the generator added.</summary>
/// <param name="HintName">The hint name it was added under.</param>
/// <param name="Text">Its source text.</param>
internal sealed record GeneratedSource(string HintName, string Text);

/// <summary>What one checked generator run produced.</summary>
/// <param name="Sources">The generated files, in ordinal order of their hint names.</param>
/// <param name="RunResult">The first run's result, with its tracked steps, for tests that look deeper.</param>
internal sealed record GeneratorOutput(ImmutableArray<GeneratedSource> Sources, GeneratorDriverRunResult RunResult)
{
    /// <summary>All files as one text, each under a <c>// ---- hint name ----</c> line: the form snapshots keep.</summary>
    public string Text
    {
        get
        {
            var text = new StringBuilder();
            foreach (var source in Sources)
            {
                text.Append("// ---- ").Append(source.HintName).Append(" ----\n").Append(source.Text);
                if (!source.Text.EndsWith('\n'))
                {
                    text.Append('\n');
                }
            }

            return text.ToString();
        }
    }
}

/// <summary>
/// Runs <see cref="OffloadGenerator"/> over C# source and checks, on every run, what every test should care about:
/// that the generated code compiles against the real Offload runtime and MemoryPack, that a second run over an
/// unchanged compilation is served entirely from the cache, and that no pipeline step holds on to symbols or syntax.
/// </summary>
internal static class GeneratorRunner
{
    /// <summary>The test compilation's assembly name; it feeds the method ids, so it must never change.</summary>
    public const string AssemblyName = "TestAssembly";

    /// <summary>Step output reasons that mean "nothing downstream has to run again".</summary>
    private static readonly IncrementalStepRunReason[] CachedReasons = [IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged];

    /// <summary>
    /// Types that must never sit in a pipeline step's output: they pin a whole compilation in memory and, since
    /// they compare by reference, defeat the cache on every keystroke.
    /// </summary>
    private static readonly Type[] ForbiddenTypes =
    [
        typeof(ISymbol),
        typeof(Compilation),
        typeof(SyntaxNode),
        typeof(SyntaxTree),
        typeof(SemanticModel),
        typeof(Location),
        typeof(AttributeData),
    ];

    /// <summary>
    /// The trusted platform assemblies are what this test process runs on: the shared framework plus the test's
    /// dependencies. Offload and MemoryPack are added by location in case the host did not list them.
    /// </summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(typeof(Offload.WorkerPool).Assembly.Location)
            .Append(typeof(MemoryPack.MemoryPackableAttribute).Assembly.Location)
            .Select(Path.GetFullPath)
            .Distinct(StringComparer.Ordinal);
        return [.. paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    });

    /// <summary>MemoryPack's source generator, from the copy of its package's analyzer next to this test assembly.</summary>
    private static readonly Lazy<ISourceGenerator> MemoryPackGenerator = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "analyzers", "MemoryPack.Generator.dll");
        var reference = new Microsoft.CodeAnalysis.Diagnostics.AnalyzerFileReference(path, new AnalyzerAssemblyLoader());
        return reference.GetGenerators(LanguageNames.CSharp).Single();
    });

    /// <summary>What the SDK defines for a net10.0 project; MemoryPack's generator picks what it emits by them.</summary>
    private static readonly string[] Net10Symbols =
    [
        "NET", "NET10_0", "NETCOREAPP",
        .. Enumerable.Range(5, 6).Select(major => $"NET{major}_0_OR_GREATER"),
        "NETCOREAPP3_0_OR_GREATER", "NETCOREAPP3_1_OR_GREATER",
    ];

    /// <summary>
    /// The options for test sources and generated files alike: the latest language version, a net10.0 project's
    /// preprocessor symbols, and documentation comments checked, as in a project with <c>GenerateDocumentationFile</c>,
    /// so that generated doc comments must be well-formed too.
    /// </summary>
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose, preprocessorSymbols: Net10Symbols);

    /// <summary>
    /// CS1701/CS1702 ("assuming assembly reference ... matches"): MemoryPack is built against an older BCL. The SDK
    /// silences both by default, and so do these compilations, to keep failure messages about the generated code.
    /// </summary>
    private static readonly ImmutableDictionary<string, ReportDiagnostic> AssumedReferenceWarnings =
        ImmutableDictionary<string, ReportDiagnostic>.Empty
            .Add("CS1701", ReportDiagnostic.Suppress)
            .Add("CS1702", ReportDiagnostic.Suppress);

    /// <summary>Every tracking name the pipeline declares, read from <see cref="TrackingNames"/> so new steps are checked too.</summary>
    public static readonly ImmutableArray<string> AllTrackingNames =
    [
        .. typeof(TrackingNames)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!),
    ];

    /// <summary>Parses <paramref name="source"/> as the file <paramref name="path"/>, with the latest language version.</summary>
    public static SyntaxTree ParseTree(string source, string path = "Test.cs") =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    /// <summary>A library compilation of <paramref name="source"/> with nullable enabled, referencing the BCL, Offload and MemoryPack.</summary>
    public static CSharpCompilation CreateCompilation(string source) =>
        CSharpCompilation.Create(
            AssemblyName,
            [ParseTree(source)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(AssumedReferenceWarnings));

    /// <summary>A driver for <see cref="OffloadGenerator"/> that records every step, so runs can be compared.</summary>
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new OffloadGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>
    /// Runs the generator over <paramref name="source"/> with every check described on <see cref="GeneratorRunner"/>,
    /// and returns what it generated.
    /// </summary>
    public static GeneratorOutput Run(string source)
    {
        var compilation = CreateCompilation(source);
        var driver = CreateDriver();

        // First run: what the generator makes of the source, and whether it compiles.
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var outputCompilation, out var generatorDiagnostics);
        var firstRun = driver.GetRunResult();
        AssertNoExceptions(firstRun);
        Assert.True(generatorDiagnostics.IsEmpty, "The generator reported diagnostics (it should leave that to the analyzer):\n" + Describe(generatorDiagnostics));
        AssertCompiles(outputCompilation, firstRun);
        AssertNoLeaks(firstRun);

        // Second run over a clone: every tree is the same, so every step must come from the cache, Parse included.
        var secondRun = driver.RunGenerators(compilation.Clone()).GetRunResult();
        AssertNoExceptions(secondRun);
        AssertAllCached(firstRun, secondRun, "a clone of the compilation");

        // Third run with an unrelated file added: the compilation changed, but nothing the generator reads did.
        var thirdRun = driver.RunGenerators(compilation.AddSyntaxTrees(ParseTree("namespace Unrelated { internal static class Other { } }", "Unrelated.cs"))).GetRunResult();
        AssertNoExceptions(thirdRun);
        AssertAllCached(firstRun, thirdRun, "the compilation with an unrelated file added");

        var sources = firstRun.Results[0].GeneratedSources
            .Select(generated => new GeneratedSource(generated.HintName, generated.SourceText.ToString()))
            .OrderBy(generated => generated.HintName, StringComparer.Ordinal)
            .ToImmutableArray();
        return new GeneratorOutput(sources, firstRun);
    }

    /// <summary>
    /// Runs the generator over <paramref name="source"/>, then again with its file replaced by
    /// <paramref name="editedSource"/> (as an IDE does on a keystroke), and returns the second run's result. Both
    /// sources first go through <see cref="Run"/>, so each compiles and caches on its own.
    /// </summary>
    public static GeneratorDriverRunResult RunEdited(string source, string editedSource)
    {
        Run(source);
        Run(editedSource);

        var compilation = CreateCompilation(source);
        var driver = CreateDriver().RunGenerators(compilation);
        AssertNoExceptions(driver.GetRunResult());

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), ParseTree(editedSource));
        var editedRun = driver.RunGenerators(edited).GetRunResult();
        AssertNoExceptions(editedRun);
        return editedRun;
    }

    /// <summary>The values output by the tracked step <paramref name="stepName"/> of <paramref name="runResult"/>.</summary>
    public static ImmutableArray<T> StepValues<T>(GeneratorDriverRunResult runResult, string stepName) =>
        runResult.Results[0].TrackedSteps.TryGetValue(stepName, out var steps)
            ? [.. steps.SelectMany(step => step.Outputs).Select(output => output.Value).OfType<T>()]
            : [];

    /// <summary>The reasons of every output of the tracked step <paramref name="stepName"/>; empty when the step did not run.</summary>
    public static ImmutableArray<IncrementalStepRunReason> StepReasons(GeneratorDriverRunResult runResult, string stepName) =>
        runResult.Results[0].TrackedSteps.TryGetValue(stepName, out var steps)
            ? [.. steps.SelectMany(step => step.Outputs).Select(output => output.Reason)]
            : [];

    /// <summary>The reasons of every generated source's output in <paramref name="runResult"/>.</summary>
    public static ImmutableArray<IncrementalStepRunReason> SourceOutputReasons(GeneratorDriverRunResult runResult) =>
        [.. runResult.Results[0].TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(step => step.Outputs).Select(output => output.Reason)];

    /// <summary>Fails if the step <paramref name="stepName"/> has an output whose reason is not <see cref="IncrementalStepRunReason.Cached"/> or <see cref="IncrementalStepRunReason.Unchanged"/>.</summary>
    public static void AssertStepCached(GeneratorDriverRunResult runResult, string stepName, string when)
    {
        var reasons = StepReasons(runResult, stepName);
        Assert.True(
            reasons.All(reason => CachedReasons.Contains(reason)),
            $"Step '{stepName}' re-ran for {when}: its outputs were [{string.Join(", ", reasons)}], expected only Cached or Unchanged.");
    }

    private static void AssertNoExceptions(GeneratorDriverRunResult runResult)
    {
        var exception = runResult.Results[0].Exception;
        Assert.True(exception is null, "The generator threw: " + exception);
    }

    /// <summary>
    /// The generated code must compile against the real runtime: no errors anywhere, and no warnings in generated
    /// files either (a project with TreatWarningsAsErrors would otherwise break on code its author cannot edit).
    /// </summary>
    private static void AssertCompiles(Compilation outputCompilation, GeneratorDriverRunResult runResult)
    {
        // MemoryPack's generator runs too, as in a real project: the generated code names what it adds to
        // [MemoryPackable] types (their IMemoryPackFormatterRegister implementation, for one).
        CSharpGeneratorDriver.Create([MemoryPackGenerator.Value], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(outputCompilation, out outputCompilation, out _);
        var diagnostics = outputCompilation.GetDiagnostics();
        var failing = diagnostics
            .Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error
                || IsInGeneratedCode(diagnostic, runResult))
            .ToArray();
        if (failing.Length == 0)
        {
            return;
        }

        var message = new StringBuilder();
        message.AppendLine("The output compilation has errors (or warnings in generated code):");
        message.AppendLine(Describe(diagnostics));
        foreach (var tree in runResult.GeneratedTrees)
        {
            message.AppendLine("// ---- " + Path.GetFileName(tree.FilePath) + " ----");
            var lines = tree.GetText().Lines;
            foreach (var line in lines)
            {
                message.Append((line.LineNumber + 1).ToString().PadLeft(4)).Append(": ").AppendLine(line.ToString());
            }
        }

        Assert.Fail(message.ToString());
    }

    /// <summary>True for a warning (or worse) located in a file the generator added.</summary>
    public static bool IsInGeneratedCode(Diagnostic diagnostic, GeneratorDriverRunResult runResult) =>
        diagnostic.Severity >= DiagnosticSeverity.Warning
        && diagnostic.Location.SourceTree is { } tree
        && runResult.GeneratedTrees.Contains(tree);

    private static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(diagnostic => "  " + diagnostic));

    /// <summary>
    /// Every step named in <see cref="TrackingNames"/> that ran the first time must run again and report only
    /// <see cref="IncrementalStepRunReason.Cached"/> or <see cref="IncrementalStepRunReason.Unchanged"/> outputs, and
    /// every source output must be <see cref="IncrementalStepRunReason.Cached"/>: nothing is regenerated.
    /// </summary>
    private static void AssertAllCached(GeneratorDriverRunResult firstRun, GeneratorDriverRunResult laterRun, string when)
    {
        var first = firstRun.Results[0].TrackedSteps;
        var later = laterRun.Results[0].TrackedSteps;
        foreach (var name in AllTrackingNames)
        {
            if (!first.ContainsKey(name))
            {
                // A step without input (no valid method, say) records nothing; there is nothing to compare.
                continue;
            }

            Assert.True(later.ContainsKey(name), $"Step '{name}' ran the first time but not for {when}.");
            AssertStepCached(laterRun, name, when);
        }

        var outputs = laterRun.Results[0].TrackedOutputSteps
            .SelectMany(pair => pair.Value.SelectMany(step => step.Outputs).Select(output => (Output: pair.Key, output.Reason)))
            .ToArray();
        Assert.True(
            outputs.All(output => output.Reason == IncrementalStepRunReason.Cached),
            $"Source outputs were regenerated for {when}: [{string.Join(", ", outputs.Select(output => $"{output.Output}: {output.Reason}"))}].");
    }

    /// <summary>
    /// Walks every value that a tracked step produced, through records, arrays, collections and tuples, and fails on
    /// anything that is or holds an <see cref="ISymbol"/>, a <see cref="Compilation"/>, syntax, a semantic model or a
    /// <see cref="Location"/>.
    /// </summary>
    private static void AssertNoLeaks(GeneratorDriverRunResult runResult)
    {
        foreach (var (name, steps) in runResult.Results[0].TrackedSteps)
        {
            if (!AllTrackingNames.Contains(name))
            {
                // Roslyn's own steps (inside ForAttributeWithMetadataName) hold syntax by design.
                continue;
            }

            foreach (var output in steps.SelectMany(step => step.Outputs))
            {
                AssertNoLeak(output.Value, $"step '{name}' output");
            }
        }
    }

    /// <summary>
    /// Fails if <paramref name="value"/> is, holds, or declares a field of a type the pipeline must not hold; the
    /// message names the path to it (<paramref name="path"/><c>.Field[2].Item1</c>).
    /// </summary>
    public static void AssertNoLeak(object? value, string path) =>
        AssertNoLeak(value, path, new HashSet<object>(ReferenceEqualityComparer.Instance));

    private static void AssertNoLeak(object? value, string path, HashSet<object> visited)
    {
        if (value is null)
        {
            return;
        }

        var type = value.GetType();
        AssertTypeAllowed(type, path);
        if (type.IsPrimitive || type.IsEnum || type.IsPointer || value is string or decimal or Type or Delegate)
        {
            return;
        }

        // Value types are copies and cannot form cycles; reference types are walked once each.
        if (!type.IsValueType && !visited.Add(value))
        {
            return;
        }

        var isImmutableArray = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>);
        if (isImmutableArray && (bool)type.GetProperty(nameof(ImmutableArray<int>.IsDefault))!.GetValue(value)!)
        {
            // A default ImmutableArray<T> holds nothing, and enumerating it throws.
            return;
        }

        if (value is IEnumerable enumerable)
        {
            var index = 0;
            foreach (var item in enumerable)
            {
                AssertNoLeak(item, $"{path}[{index++}]", visited);
            }

            // An array's or ImmutableArray's items are all it holds.
            if (type.IsArray || isImmutableArray)
            {
                return;
            }
        }

        // Records, EquatableArray<T> (whose items live in a private array), tuples and anything else: every instance field.
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertTypeAllowed(field.FieldType, $"{path}.{field.Name}");
                AssertNoLeak(field.GetValue(value), $"{path}.{field.Name}", visited);
            }
        }
    }

    /// <summary>Fails when <paramref name="type"/> is, or is a collection of, a type the pipeline must not hold.</summary>
    private static void AssertTypeAllowed(Type type, string path)
    {
        var elementType = type.IsArray ? type.GetElementType()! : type;
        var forbidden = ForbiddenTypes.FirstOrDefault(candidate => candidate.IsAssignableFrom(elementType));
        Assert.True(forbidden is null, $"{path} is a {type} ({forbidden?.Name}): pipeline values must hold no symbols, syntax, semantic models or locations.");
    }
}

/// <summary>Loads analyzer assemblies into this process's default context (they depend only on Roslyn, already loaded).</summary>
internal sealed class AnalyzerAssemblyLoader : Microsoft.CodeAnalysis.IAnalyzerAssemblyLoader
{
    public void AddDependencyLocation(string fullPath)
    {
    }

    public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
}
