using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Offload.Generator.Tests.Infrastructure;

namespace Offload.Generator.Tests;

/// <summary>
/// What the user sees of the generated code: a few companions per method (at most three names and six overloads), and
/// all the plumbing in one hidden nested class per type, wherever that type is and whatever its signatures name.
/// </summary>
public sealed partial class CompanionSurfaceTests
{
    /// <summary>A companion declaration: its name, after <c>public static</c> and the return type.</summary>
    [GeneratedRegex(@"^\s*public static .*?\s(?<name>\w+)\(", RegexOptions.Multiline)]
    private static partial Regex PublicStaticMethod();

    [Fact]
    public void MethodWithArgumentsAndResult_GetsSixPublicOverloadsUnderThreeNames()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static partial class Primes
            {
                [RunInWorkerProcess]
                public static long CountPrimes(long from, long to) => to - from;
            }
            """);

        var names = PublicCompanions(output, "Samples.Primes.CountPrimes.g.cs");

        // XAsync on the shared pool and on a given one; each map name over an IEnumerable and an IAsyncEnumerable.
        Assert.Equal(6, names.Length);
        Assert.Equal(["CountPrimesAsync", "CountPrimesMapAsync", "CountPrimesMapUnorderedAsync"], names.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(2, names.Count(name => name == "CountPrimesAsync"));
        Assert.Equal(2, names.Count(name => name == "CountPrimesMapAsync"));
        Assert.Equal(2, names.Count(name => name == "CountPrimesMapUnorderedAsync"));
    }

    [Fact]
    public void VoidMethod_GetsFourPublicOverloadsUnderTwoNames()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static void Touch(string path)
                {
                }
            }
            """);

        var names = PublicCompanions(output, "Samples.Jobs.Touch.g.cs");

        Assert.Equal(4, names.Length);
        Assert.Equal(["TouchAsync", "TouchForEachAsync"], names.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(2, names.Count(name => name == "TouchForEachAsync"));
    }

    [Fact]
    public void MethodWithoutArguments_GetsTheTwoCallCompanionsOnly()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static partial class Clock
            {
                [RunInWorkerProcess]
                public static long Now() => 0;
            }
            """);

        Assert.Equal(["NowAsync", "NowAsync"], PublicCompanions(output, "Samples.Clock.Now.g.cs"));
    }

    [Fact]
    public void TheContainingType_GainsOnlyTheCompanionsAndOneHiddenClass()
    {
        // What IntelliSense lists on the type: the companions, and one nested class it is told never to show.
        var compilation = CompileWithGenerator("""
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Maths
            {
                [RunInWorkerProcess]
                public static int Square(int value) => value * value;

                [RunInWorkerProcess]
                public static Task Flush(int level) => Task.CompletedTask;

                [RunInWorkerProcess]
                public static long Now() => 0;
            }
            """);
        var maths = compilation.GetTypeByMetadataName("Samples.Maths")!;

        var generated = maths.GetMembers()
            .Where(member => !member.IsImplicitlyDeclared && member.Name is not ("Square" or "Flush" or "Now"))
            .Select(member => member.Name)
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(["FlushAsync", "FlushForEachAsync", "NowAsync", "SquareAsync", "SquareMapAsync", "SquareMapUnorderedAsync", "__Offload"], generated);

        var hidden = maths.GetTypeMembers("__Offload").Single();
        Assert.Equal(Accessibility.Internal, hidden.DeclaredAccessibility);
        Assert.True(hidden.IsStatic);
        var browsable = hidden.GetAttributes().Single(attribute => attribute.AttributeClass?.Name == "EditorBrowsableAttribute");
        Assert.Equal(1, browsable.ConstructorArguments.Single().Value); // EditorBrowsableState.Never
        Assert.Contains(hidden.GetAttributes(), attribute => attribute.AttributeClass?.Name == "GeneratedCodeAttribute");
    }

    [Fact]
    public async Task TheAnalyzer_DoesNotReportTheGeneratedHiddenClass()
    {
        // The analyzer runs over generated code too (OFFLOAD0008 looks at every member named like a companion): the
        // hidden class carries [GeneratedCode("Offload.Generator")], so it is Offload's own.
        var compilation = CompileWithGenerator("""
            using Offload;

            namespace Samples;

            public partial class Maths
            {
                [RunInWorkerProcess]
                public static int Square(int value) => value * value;
            }
            """);

        var diagnostics = await compilation.WithAnalyzers([new OffloadAnalyzer()]).GetAnalyzerDiagnosticsAsync();

        Assert.Empty(diagnostics);
    }

    [Fact]
    public void ArgumentsOfTypesOnlyTheContainingTypeMayName()
    {
        // A private or protected nested type (or a type built from one) cannot be a field of an internal struct in the
        // internal hidden class (CS0052): such a method's arguments struct stays private in the containing type, while
        // the others' move into the hidden class. GeneratorRunner proves that both compile.
        var output = GeneratorRunner.Run("""
            using System.Collections.Generic;
            using MemoryPack;
            using Offload;

            namespace Samples;

            public partial class Base
            {
                [MemoryPackable]
                protected partial class Shared
                {
                    public int X { get; set; }
                }
            }

            public partial class Layout : Base
            {
                [RunInWorkerProcess]
                private static int Unwrap(Hidden hidden) => hidden.X;

                [RunInWorkerProcess]
                private static int Count(List<Hidden> items, int extra) => items.Count + extra;

                [RunInWorkerProcess]
                protected static int FromBase(Shared shared) => shared.X;

                [RunInWorkerProcess]
                public static int Plain(int x) => x;

                [MemoryPackable]
                private partial class Hidden
                {
                    public int X { get; set; }
                }
            }
            """);

        Assert.Contains("private struct __OffloadArgs_Unwrap_", output.Text);
        Assert.Contains("private struct __OffloadArgs_Count_", output.Text);
        Assert.Contains("private struct __OffloadArgs_FromBase_", output.Text);
        Assert.Contains("internal struct Args_Plain_", output.Text);
        Snapshot.Match(output.Text);
    }

    [Theory]
    [InlineData("public static partial class")]
    [InlineData("public partial class")]
    [InlineData("public sealed partial class")]
    [InlineData("public abstract partial class")]
    [InlineData("public partial struct")]
    [InlineData("public readonly partial struct")]
    [InlineData("public partial record")]
    [InlineData("public partial record class")]
    [InlineData("public partial record struct")]
    [InlineData("public readonly partial record struct")]
    [InlineData("internal partial class")]
    [InlineData("public ref partial struct")]
    public void EveryKindOfContainingTypeTheAnalyzerAccepts_TakesTheHiddenClass(string declaration)
    {
        // The analyzer accepts classes and structs, records and ref structs included (interfaces are OFFLOAD0010); the
        // hidden class is static, which any of them may nest. Nested in another type too, both with methods.
        var output = GeneratorRunner.Run($$"""
            using Offload;

            namespace Samples;

            {{declaration}} Outer
            {
                [RunInWorkerProcess]
                public static int Square(int value) => value * value;

                {{declaration.Replace("public ", "internal ", StringComparison.Ordinal)}} Inner
                {
                    [RunInWorkerProcess]
                    public static void Touch(string path)
                    {
                    }
                }
            }
            """);

        Assert.Contains("global::Samples.Outer.__Offload.Invoke_Square_", output.Text);
        Assert.Contains("global::Samples.Outer.Inner.__Offload.Invoke_Touch_", output.Text);
    }

    [Fact]
    public void ABaseTypeAndADerivedTypeWithMethods_EachHaveTheirOwnHiddenClass()
    {
        // The derived type's hidden class hides the base's (CS0108, suppressed in the generated code: GeneratorRunner
        // fails on any warning there); each is named through its own type, so calls reach the right one.
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public partial class Base
            {
                [RunInWorkerProcess]
                public static int Square(int value) => value * value;
            }

            public partial class Derived : Base
            {
                [RunInWorkerProcess]
                public static int Cube(int value) => value * value * value;
            }
            """);

        Assert.Contains("global::Samples.Base.__Offload.Invoke_Square_", output.Text);
        Assert.Contains("global::Samples.Derived.__Offload.Invoke_Cube_", output.Text);
    }

    /// <summary>The names of the <c>public static</c> methods declared in the generated file <paramref name="hintName"/>, in order.</summary>
    private static string[] PublicCompanions(GeneratorOutput output, string hintName) =>
        [.. PublicStaticMethod().Matches(output.Sources.Single(source => source.HintName == hintName).Text).Select(match => match.Groups["name"].Value)];

    /// <summary><paramref name="source"/> with the generator's output added (checked by <see cref="GeneratorRunner.Run"/> first).</summary>
    private static Compilation CompileWithGenerator(string source)
    {
        GeneratorRunner.Run(source);
        GeneratorRunner.CreateDriver().RunGeneratorsAndUpdateCompilation(GeneratorRunner.CreateCompilation(source), out var compilation, out _);
        return compilation;
    }
}
