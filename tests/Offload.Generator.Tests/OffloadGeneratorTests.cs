using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Offload.Generator.Model;
using Offload.Generator.Tests.Infrastructure;

namespace Offload.Generator.Tests;

/// <summary>
/// What <see cref="OffloadGenerator"/> writes for each supported shape of method, kept as snapshots in
/// <c>Snapshots/OffloadGeneratorTests.*.approved.txt</c>. Every run also proves, through <see cref="GeneratorRunner"/>,
/// that the output compiles against the real runtime, is fully cached on a second run and leaks no symbols.
/// </summary>
public sealed class OffloadGeneratorTests
{
    [Fact]
    public void SimpleMethod()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static partial class Primes
            {
                [RunInWorkerProcess]
                public static long CountPrimes(long from, long to)
                {
                    var count = 0L;
                    for (var n = from; n < to; n++)
                    {
                        count++;
                    }

                    return count;
                }
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void VoidMethod()
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

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void TaskOfTMethod()
    {
        var output = GeneratorRunner.Run("""
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static async Task<int> Measure(string text)
                {
                    await Task.Yield();
                    return text.Length;
                }
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void TaskMethod()
    {
        var output = GeneratorRunner.Run("""
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static Task Flush(int level) => Task.CompletedTask;
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void ValueTaskMethods()
    {
        var output = GeneratorRunner.Run("""
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static ValueTask Ping() => default;

                [RunInWorkerProcess]
                internal static ValueTask<double> Average(double[] values) => new(values.Length == 0 ? 0 : values[0]);
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void StringsCollectionsAndTuples()
    {
        var output = GeneratorRunner.Run("""
            using System.Collections.Generic;
            using Offload;

            namespace Samples;

            public static partial class Text
            {
                [RunInWorkerProcess]
                public static Dictionary<string, int> Count(
                    string text,
                    string? label,
                    int[] weights,
                    List<int> lengths,
                    Dictionary<string, int> seed,
                    (int Min, string Name) range,
                    int? limit)
                    => seed;
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void MemoryPackableParameterAndResult()
    {
        // The dispatcher registers Point's formatter (a NativeAOT worker could not find it by reflection); MemoryPack's
        // own generator runs in the compile check, so the registration must name what it generates.
        var output = GeneratorRunner.Run("""
            using MemoryPack;
            using Offload;

            namespace Samples.Geometry;

            [MemoryPackable]
            public partial class Point
            {
                public int X { get; set; }

                public int Y { get; set; }
            }

            public static partial class Shapes
            {
                [RunInWorkerProcess]
                public static Point Mirror(Point point) => new() { X = point.Y, Y = point.X };
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void MemoryPackableTypesInsideCollectionsNullablesAndNestedTypes()
    {
        // Every type in a signature gets the formatter MemoryPack would pick for it at run time, registered once,
        // wherever it sits: [MemoryPackable] classes, structs, closed generics and union bases through their own
        // registration (a private nested one from its containing type), arrays, collections, and nullables of structs
        // without references as raw memory; a type MemoryPack generates nothing for (NoGenerate) gets nothing either.
        var output = GeneratorRunner.Run("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using MemoryPack;
            using Offload;

            namespace Samples.Packing;

            [MemoryPackable]
            public partial class Point
            {
                public int X { get; set; }
            }

            [MemoryPackable]
            public partial struct Size
            {
                public int Width { get; set; }
            }

            [MemoryPackable]
            public partial class Box<T>
            {
                public T? Value { get; set; }
            }

            [MemoryPackable]
            [MemoryPackUnion(0, typeof(Circle))]
            public abstract partial class Figure
            {
            }

            [MemoryPackable]
            public partial class Circle : Figure
            {
                public double Radius { get; set; }
            }

            // The app registers its own formatter for this one; MemoryPack generates nothing, and neither do we.
            [MemoryPackable(GenerateType.NoGenerate)]
            public partial class Custom
            {
            }

            public static partial class Layout
            {
                [RunInWorkerProcess]
                public static Task<Dictionary<string, List<Point>>> Group(Point[] points, Size? size, Box<int> box, Figure figure, Point? maybe) =>
                    Task.FromResult(new Dictionary<string, List<Point>>());

                [RunInWorkerProcess]
                private static Hidden Hide(int x) => new() { X = x };

                [RunInWorkerProcess]
                public static Custom Keep(Custom custom) => custom;

                [MemoryPackable]
                private partial class Hidden
                {
                    public int X { get; set; }
                }
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void NestedTypes()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples.Nesting
            {
                public partial record Outer
                {
                    internal partial struct Middle
                    {
                        public static partial class Inner
                        {
                            [RunInWorkerProcess]
                            public static int Twice(int value) => value * 2;
                        }
                    }
                }
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void GlobalNamespace()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            public static partial class Calculator
            {
                [RunInWorkerProcess]
                public static int Add(int left, int right) => left + right;
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void TwoMethodsInOneClass()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static partial class Maths
            {
                [RunInWorkerProcess]
                public static int Square(int value) => value * value;

                [RunInWorkerProcess]
                public static int Cube(int value) => value * value * value;
            }
            """);

        // One file per method, and one that declares the type's hidden plumbing class for both.
        Assert.Equal(
            ["OffloadDispatcher.g.cs", "Samples.Maths.Cube.g.cs", "Samples.Maths.Square.g.cs", "Samples.Maths.__Offload.g.cs"],
            output.Sources.Select(source => source.HintName));
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void Overloads()
    {
        var output = GeneratorRunner.Run(OverloadsSource);

        var models = GeneratorRunner.StepValues<MethodModel>(output.RunResult, TrackingNames.Methods);
        Assert.Equal(2, models.Length);
        Assert.NotEqual(models[0].MethodId, models[1].MethodId);
        Assert.NotEqual(models[0].HintName, models[1].HintName);

        // Overloads' files carry the id, so they cannot collide; the dispatcher is one file with one case each, and the
        // type's hidden plumbing class is declared once.
        var hintNames = output.Sources.Select(source => source.HintName).ToArray();
        Assert.Equal(4, hintNames.Length);
        Assert.Contains("Samples.Maths.__Offload.g.cs", hintNames);
        Assert.Equal(hintNames.Length, hintNames.Distinct(StringComparer.Ordinal).Count());
        foreach (var model in models)
        {
            Assert.Contains($"Samples.Maths.Sum.{model.MethodId:x16}.g.cs", hintNames);
        }

        var dispatcher = Assert.Single(output.Sources, source => source.HintName == "OffloadDispatcher.g.cs");
        foreach (var model in models)
        {
            Assert.Equal(1, CountOccurrences(dispatcher.Text, $"case {model.MethodIdLiteral}:"));
        }

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void MethodNameEndingInAsync()
    {
        var output = GeneratorRunner.Run("""
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Downloads
            {
                [RunInWorkerProcess]
                public static Task<byte[]> FetchAsync(string url) => Task.FromResult(new byte[url.Length]);
            }
            """);

        Assert.Contains("FetchInWorkerAsync(", output.Text);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void CancellationTokenParameter()
    {
        // The token is not sent: the companion takes its own token, and the worker passes the call's token.
        var output = GeneratorRunner.Run("""
            using System.Threading;
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static long Spin(long iterations, CancellationToken token)
                {
                    for (var i = 0L; i < iterations; i++)
                    {
                        token.ThrowIfCancellationRequested();
                    }

                    return iterations;
                }
            }
            """);

        Assert.Contains("Spin(arguments.Arg0, invocation.CancellationToken)", output.Text);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void ClashingAndKeywordParameterNames()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static partial class Names
            {
                [RunInWorkerProcess]
                public static int Mix(int pool, string cancellationToken, int @class, int workerPool) => pool + @class + workerPool + cancellationToken.Length;
            }
            """);

        Snapshot.Match(output.Text);
    }

    [Fact]
    public void MapCompanions_ForManyAndOddlyNamedParameters()
    {
        // Eight arguments make a nested tuple; names C# refuses in a tuple (ItemN elsewhere, Rest, ToString) are left
        // out of it, the others kept (escaped where they are keywords). GeneratorRunner proves that it compiles.
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static partial class Wide
            {
                [RunInWorkerProcess]
                public static long Sum(int Item2, int Item2x, long Rest, int ToString, int @event, int Item6, string _, int h)
                    => Item2 + Item2x + Rest + ToString + @event + Item6 + _.Length + h;

                [RunInWorkerProcess]
                public static int First((int Left, string Right) pair) => pair.Left;
            }
            """);

        Assert.Contains("IEnumerable<(int, int Item2x, long, int, int @event, int Item6, string, int h)> source", output.Text);
        Assert.Contains("item.Item8), options, cancellationToken);", output.Text);
        Assert.Contains("IEnumerable<(int Left, string Right)> source", output.Text);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void MethodsWithoutArguments_GetNoMapCompanions()
    {
        var output = GeneratorRunner.Run("""
            using System.Threading;
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Clock
            {
                [RunInWorkerProcess]
                public static long Now() => 0;

                [RunInWorkerProcess]
                public static Task Wait(CancellationToken token) => Task.Delay(1, token);
            }
            """);

        Assert.DoesNotContain("MapAsync", output.Text);
        Assert.DoesNotContain("ForEachAsync", output.Text);
        Assert.DoesNotContain("Batch_", output.Text);
        Assert.DoesNotContain("InvokeBatch_", output.Text);
        var dispatcher = Assert.Single(output.Sources, source => source.HintName == "OffloadDispatcher.g.cs");
        Assert.Equal(2, CountOccurrences(dispatcher.Text, "case 0x"));
    }

    [Fact]
    public void MapCompanions_TakeTheArgumentItselfForOneParameterAndBindTheToken()
    {
        var output = GeneratorRunner.Run("""
            using System.Threading;
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static async Task<int> MeasureAsync(string text, CancellationToken token)
                {
                    await Task.Delay(1, token);
                    return text.Length;
                }
            }
            """);

        // The name's Async is dropped; the one argument is the item; the token is the chunk's.
        Assert.Contains("IAsyncEnumerable<int> MeasureMapAsync(global::System.Collections.Generic.IEnumerable<string> source,", output.Text);
        Assert.Contains("IAsyncEnumerable<global::Offload.MapResult<int>> MeasureMapUnorderedAsync(global::System.Collections.Generic.IAsyncEnumerable<string> source, global::Offload.MapOptions? options = null, global::Offload.IWorkerPool? pool = null,", output.Text);
        Assert.Contains("new global::System.Threading.Tasks.ValueTask<int>(MeasureAsync(arguments.Arg0, cancellationToken))", output.Text);
        Assert.Equal(4, CountOccurrences(output.Text, "static global::System.Collections.Generic.IAsyncEnumerable<"));
    }

    [Fact]
    public void BatchId_IsTheHashOfTheMethodKeyWithABatchSuffix_AndHasItsOwnDispatcherCase()
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

        var model = Assert.Single(GeneratorRunner.StepValues<MethodModel>(output.RunResult, TrackingNames.Methods));
        Assert.Equal(OffloadGenerator.Parser.Fnv1a64("TestAssembly|global::Samples.Primes.CountPrimes(long, long)|batch"), model.BatchMethodId);
        Assert.NotEqual(model.MethodId, model.BatchMethodId);
        var dispatcher = Assert.Single(output.Sources, source => source.HintName == "OffloadDispatcher.g.cs");
        Assert.Contains($"case {model.BatchMethodIdLiteral}:", dispatcher.Text);
        Assert.Contains($"{model.BatchInvokerName}(invocation);", dispatcher.Text);
    }

    [Fact]
    public void OverloadsTakingATupleAndItsElements_ProduceNothing()
    {
        // Both map companions would take IEnumerable<(int, int)> (CS0111); the analyzer reports OFFLOAD0012 for each.
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static int Work(int x, int y) => x;

                [RunInWorkerProcess]
                public static int Work((int X, int Y) point) => point.X;
            }
            """);

        Assert.Empty(output.Sources);
    }

    [Fact]
    public void InvalidMethod_ProducesNoOutputForIt()
    {
        // Instance methods cannot run in a worker: the analyzer reports it, the generator writes nothing for it.
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public partial class Mixed
            {
                [RunInWorkerProcess]
                public static int Valid(int value) => value;

                [RunInWorkerProcess]
                public int NotStatic(int value) => value;
            }
            """);

        Assert.DoesNotContain("NotStatic", output.Text);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void AttributeSettings()
    {
        // Only settings that differ from the defaults reach the descriptor, so a method without any (or with
        // defaults spelled out) keeps the plain descriptor. RetryOnException alone is only a warning (OFFLOAD0014),
        // so that method is generated; MaxRetries = 101 is an error (OFFLOAD0013), so that one is not.
        var output = GeneratorRunner.Run("""
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Network
            {
                private const int Attempts = 2;

                [RunInWorkerProcess(MaxRetries = Attempts, RetryOnException = true, TimeoutMilliseconds = 500)]
                public static Task<string> Fetch(string url) => Task.FromResult(url);

                [RunInWorkerProcess(TimeoutMilliseconds = 60_000)]
                public static int Slow(int seconds) => seconds;

                [RunInWorkerProcess(RetryOnException = true)]
                public static void Ping()
                {
                }

                [RunInWorkerProcess(MaxRetries = 0, RetryOnException = false, TimeoutMilliseconds = 0)]
                public static int Defaults(int value) => value;

                [RunInWorkerProcess(MaxRetries = 101)]
                public static int TooManyRetries(int value) => value;
            }
            """);

        Assert.DoesNotContain("TooManyRetries", output.Text);
        Assert.Contains("{ MaxRetries = 2, RetryOnException = true, Timeout = global::System.TimeSpan.FromMilliseconds(500) };", output.Text);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void InitializersOnly()
    {
        // No [RunInWorkerProcess] method, yet the assembly needs a dispatcher: it is how a worker finds the
        // initializers. Nothing here returns a task, so InitializeAsync is not async. Setup's type is not partial,
        // and needs not be; the private initializer cannot be called from the dispatcher, so it is left out.
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public static class Setup
            {
                [WorkerInitializer(Order = 1)]
                public static void OpenLibrary()
                {
                }

                [WorkerInitializer]
                internal static void LoadSettings()
                {
                }

                [WorkerInitializer]
                private static void Hidden()
                {
                }
            }
            """);

        Assert.Equal(["OffloadDispatcher.g.cs"], output.Sources.Select(source => source.HintName));
        Assert.DoesNotContain("Hidden", output.Text);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void InitializersAndMethods()
    {
        // Initializers run by Order, then by type, then by method name (ordinal), whatever their declaration order;
        // Task and ValueTask ones are awaited in turn.
        var output = GeneratorRunner.Run("""
            using System.Threading.Tasks;
            using Offload;

            namespace Samples
            {
                public static partial class Models
                {
                    [WorkerInitializer(Order = 10)]
                    public static Task LoadAsync() => Task.CompletedTask;

                    [WorkerInitializer]
                    public static ValueTask WarmAsync() => default;

                    [WorkerInitializer]
                    public static void Allocate()
                    {
                    }

                    [RunInWorkerProcess]
                    public static int Predict(int input) => input;
                }

                internal sealed class Caches
                {
                    [WorkerInitializer]
                    internal static void Warm()
                    {
                    }

                    [WorkerInitializer(Order = -1)]
                    public static async Task CheckAsync() => await Task.Yield();

                    internal sealed class Nested
                    {
                        [WorkerInitializer(Order = 10)]
                        public static void Fill()
                        {
                        }
                    }
                }
            }

            public static class Startup
            {
                [WorkerInitializer(Order = 10)]
                public static void Log()
                {
                }
            }
            """);

        var model = Assert.Single(GeneratorRunner.StepValues<DispatcherModel>(output.RunResult, TrackingNames.Dispatcher));
        Assert.Equal(
            [
                "global::Samples.Caches.CheckAsync",
                "global::Samples.Caches.Warm",
                "global::Samples.Models.Allocate",
                "global::Samples.Models.WarmAsync",
                "global::Samples.Caches.Nested.Fill",
                "global::Samples.Models.LoadAsync",
                "global::Startup.Log",
            ],
            model.Initializers.Select(initializer => initializer.ContainingTypeFullName + "." + initializer.MethodName));
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void OnlyInvalidInitializers_ProduceNothing()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public sealed class Setup
            {
                [WorkerInitializer]
                public void NotStatic()
                {
                }

                [WorkerInitializer]
                public static void WithParameter(int value)
                {
                }

                [WorkerInitializer]
                public static int ReturnsValue() => 0;
            }
            """);

        Assert.Empty(output.Sources);
    }

    [Fact]
    public void OnlyInvalidMethods_ProduceNothing()
    {
        var output = GeneratorRunner.Run("""
            using Offload;

            namespace Samples;

            public partial class Invalid
            {
                [RunInWorkerProcess]
                public int NotStatic(int value) => value;
            }
            """);

        // No method, no dispatcher either: an assembly without valid methods gets no generated file at all.
        Assert.Empty(output.Sources);
    }

    [Fact]
    public void OverloadsDifferingOnlyByCancellationToken_ProduceNothing()
    {
        // Both overloads send the same arguments, so their companions would have the same signature (CS0111).
        // The analyzer reports OFFLOAD0012 for each, and the generator must skip both rather than emit code that
        // does not compile (which GeneratorRunner.Run would catch).
        var output = GeneratorRunner.Run("""
            using System.Threading;
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static int Work(int value) => value;

                [RunInWorkerProcess]
                public static int Work(int value, CancellationToken cancellationToken) => value;
            }
            """);

        Assert.Empty(output.Sources);
    }

    [Fact]
    public void GeneratedDocComments_DescribeEveryParameter()
    {
        // A project with GenerateDocumentationFile checks doc comments; one that documents some parameters of a
        // method but not all gets CS1573, which TreatWarningsAsErrors turns into a broken build the user cannot fix.
        // GeneratorRunner tolerates CS1573 (so the other checks still run); this test does not.
        var compilation = GeneratorRunner.CreateCompilation("""
            using Offload;

            namespace Samples;

            /// <summary>Documented, as in a library that ships its XML docs.</summary>
            public static partial class Primes
            {
                /// <summary>Counts primes.</summary>
                /// <param name="from">The first number.</param>
                /// <param name="to">The number after the last.</param>
                /// <returns>How many primes there are.</returns>
                [RunInWorkerProcess]
                public static long CountPrimes(long from, long to) => to - from;
            }
            """);

        var driver = GeneratorRunner.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var runResult = driver.GetRunResult();
        var warnings = output.GetDiagnostics().Where(diagnostic => GeneratorRunner.IsInGeneratedCode(diagnostic, runResult)).ToArray();

        Assert.True(warnings.Length == 0, "Generated code has warnings when documentation comments are checked:\n" + string.Join("\n", warnings.Select(warning => warning.ToString())));
    }

    // ---------------------------------------------------------------- streams, progress and loggers

    [Fact]
    public void StreamMethod()
    {
        // An async iterator: the companions return IAsyncEnumerable<T> through StreamAsync; no map companions.
        var output = GeneratorRunner.Run("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Offload;

            namespace Samples;

            public static partial class Files
            {
                [RunInWorkerProcess]
                public static async IAsyncEnumerable<int> Scan(string path, [EnumeratorCancellation] CancellationToken ct)
                {
                    await Task.Yield();
                    yield return path.Length;
                }
            }
            """);

        Assert.Contains("public static global::System.Collections.Generic.IAsyncEnumerable<int> ScanAsync(string path, global::System.Threading.CancellationToken cancellationToken = default)", output.Text);
        Assert.Contains("public static global::System.Collections.Generic.IAsyncEnumerable<int> ScanAsync(global::Offload.IWorkerPool pool, string path, global::System.Threading.CancellationToken cancellationToken = default)", output.Text);
        Assert.Contains("OffloadCalls.StreamAsync<__Offload.Args_Scan_", output.Text);
        Assert.Contains("(path), null, cancellationToken);", output.Text);
        Assert.Contains("return invocation.ReturnStream<int>(Scan(arguments.Arg0, invocation.CancellationToken));", output.Text);
        AssertNoMaps(output);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void StreamWithProgress()
    {
        // A non-async method that returns a stream, with progress: the progress stays a (nullable) companion parameter.
        var output = GeneratorRunner.Run("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using Offload;

            namespace Samples;

            public static partial class Files
            {
                [RunInWorkerProcess]
                public static IAsyncEnumerable<string> Lines(string path, IProgress<double> progress, CancellationToken token) => Read(path, token);

                private static async IAsyncEnumerable<string> Read(string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
                {
                    await System.Threading.Tasks.Task.Yield();
                    yield return path;
                }
            }
            """);

        Assert.Contains("LinesAsync(string path, global::System.IProgress<double>? progress, global::System.Threading.CancellationToken cancellationToken = default)", output.Text);
        Assert.Contains("=> LinesAsync(global::Offload.WorkerPool.Shared, path, progress, cancellationToken);", output.Text);
        Assert.Contains("(path), global::Offload.CompilerServices.ProgressReceiver.Create<double>(progress), cancellationToken);", output.Text);
        Assert.Contains("Lines(arguments.Arg0, invocation.GetProgress<double>(), invocation.CancellationToken)", output.Text);
        AssertNoMaps(output);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void TaskOfTWithProgress()
    {
        // A [MemoryPackable] report type: it crosses the process boundary, so its formatter is registered too.
        var output = GeneratorRunner.Run("""
            using System;
            using System.Threading.Tasks;
            using MemoryPack;
            using Offload;

            namespace Samples;

            [MemoryPackable]
            public partial record Percent(int Done, int Total);

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static async Task<int> Count(string path, IProgress<Percent>? progress)
                {
                    await Task.Yield();
                    progress?.Report(new Percent(1, 1));
                    return path.Length;
                }
            }
            """);

        Assert.Contains("CountAsync(global::Offload.IWorkerPool pool, string path, global::System.IProgress<global::Samples.Percent>? progress, global::System.Threading.CancellationToken cancellationToken = default)", output.Text);
        Assert.Contains("OffloadCalls.InvokeAsync<__Offload.Args_Count_", output.Text);
        Assert.Contains("(path), global::Offload.CompilerServices.ProgressReceiver.Create<global::Samples.Percent>(progress), cancellationToken);", output.Text);
        Assert.Contains("return invocation.ReturnTask<int>(Count(arguments.Arg0, invocation.GetProgress<global::Samples.Percent>()));", output.Text);
        Assert.Contains("global::Samples.Percent", Assert.Single(GeneratorRunner.StepValues<MethodModel>(output.RunResult, TrackingNames.Methods)).FormatterRegistrations.Single());
        AssertNoMaps(output);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void VoidWithProgress()
    {
        var output = GeneratorRunner.Run("""
            using System;
            using Offload;

            namespace Samples;

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static void Fill(IProgress<int> progress, int size)
                {
                    progress.Report(size);
                }
            }
            """);

        // The progress keeps its position among the companion's parameters; only the size is sent.
        Assert.Contains("FillAsync(global::System.IProgress<int>? progress, int size, global::System.Threading.CancellationToken cancellationToken = default)", output.Text);
        Assert.Contains("(size), global::Offload.CompilerServices.ProgressReceiver.Create<int>(progress), cancellationToken);", output.Text);
        Assert.Contains("Fill(invocation.GetProgress<int>(), arguments.Arg0);", output.Text);
        AssertNoMaps(output);
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void LoggerParameter()
    {
        // A plain ILogger is named after the containing type (nested types joined by dots); it is no companion
        // parameter, and the map companions' batch invoker binds it once per chunk.
        var output = GeneratorRunner.Run("""
            using Microsoft.Extensions.Logging;
            using Offload;

            namespace Samples;

            public static partial class Outer
            {
                public static partial class Parsers
                {
                    [RunInWorkerProcess]
                    public static int Parse(string text, ILogger logger)
                    {
                        logger.LogInformation("Parsing {Length} characters", text.Length);
                        return text.Length;
                    }
                }
            }
            """);

        Assert.Contains("ParseAsync(string text, global::System.Threading.CancellationToken cancellationToken = default)", output.Text);
        Assert.Contains("Parse(arguments.Arg0, invocation.GetLogger(\"Samples.Outer.Parsers\"))", output.Text);
        Assert.Contains("var logger0 = invocation.GetLogger(\"Samples.Outer.Parsers\");", output.Text);
        Assert.Contains("(arguments, cancellationToken) => Parse(arguments.Arg0, logger0))", output.Text);
        Assert.DoesNotContain("static (arguments, cancellationToken) => Parse", output.Text);
        Assert.Equal(2, CountOccurrences(output.Text, "ParseMapAsync("));
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void LoggerOfTParameter()
    {
        var output = GeneratorRunner.Run("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.Logging;
            using Offload;

            namespace Samples;

            public sealed class Importer
            {
            }

            public static partial class Jobs
            {
                [RunInWorkerProcess]
                public static Task Import(string path, ILogger<Importer> logger, int retries)
                {
                    logger.LogInformation("Importing {Path}", path);
                    return Task.CompletedTask;
                }
            }
            """);

        Assert.Contains("ImportAsync(string path, int retries, global::System.Threading.CancellationToken cancellationToken = default)", output.Text);
        Assert.Contains("return invocation.ReturnTask(Import(arguments.Arg0, invocation.GetLogger<global::Samples.Importer>(), arguments.Arg1));", output.Text);
        Assert.Contains("var logger0 = invocation.GetLogger<global::Samples.Importer>();", output.Text);
        Assert.Contains("(arguments, cancellationToken) => new global::System.Threading.Tasks.ValueTask(Import(arguments.Arg0, logger0, arguments.Arg1)))", output.Text);
        Assert.Equal(2, CountOccurrences(output.Text, "ImportForEachAsync("));
        Snapshot.Match(output.Text);
    }

    [Fact]
    public void LoggerProgressAndToken()
    {
        var output = GeneratorRunner.Run("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Logging;
            using Offload;

            namespace Samples;

            public partial class Crunch
            {
                [RunInWorkerProcess]
                public static async ValueTask<long> Run(ILogger log, long n, IProgress<int> progress, CancellationToken token, ILogger<Crunch> audit)
                {
                    await Task.Delay(1, token);
                    progress.Report(1);
                    log.LogDebug("Done");
                    audit.LogDebug("Done");
                    return n;
                }
            }
            """);

        Assert.Contains("RunAsync(long n, global::System.IProgress<int>? progress, global::System.Threading.CancellationToken cancellationToken = default)", output.Text);
        Assert.Contains(
            "return invocation.ReturnValueTask<long>(Run(invocation.GetLogger(\"Samples.Crunch\"), arguments.Arg0, invocation.GetProgress<int>(), invocation.CancellationToken, invocation.GetLogger<global::Samples.Crunch>()));",
            output.Text);
        AssertNoMaps(output);
        Snapshot.Match(output.Text);
    }

    /// <summary>Asserts that the output has no map companions, batch descriptor or batch invoker, and one dispatcher case.</summary>
    private static void AssertNoMaps(GeneratorOutput output)
    {
        Assert.DoesNotContain("MapAsync", output.Text);
        Assert.DoesNotContain("MapUnorderedAsync", output.Text);
        Assert.DoesNotContain("ForEachAsync", output.Text);
        Assert.DoesNotContain("Batch_", output.Text);
        var dispatcher = Assert.Single(output.Sources, source => source.HintName == "OffloadDispatcher.g.cs");
        Assert.Equal(1, CountOccurrences(dispatcher.Text, "case 0x"));
    }

    [Fact]
    public void Fnv1a64_IsStable()
    {
        // The published FNV-1a 64 test vectors, plus a non-ASCII text (hashed as UTF-8) and a method key in the
        // form the parser builds. Method ids must not change between builds, machines or .NET versions.
        Assert.Equal(0xcbf29ce484222325UL, OffloadGenerator.Parser.Fnv1a64(""));
        Assert.Equal(0xaf63dc4c8601ec8cUL, OffloadGenerator.Parser.Fnv1a64("a"));
        Assert.Equal(0x85944171f73967e8UL, OffloadGenerator.Parser.Fnv1a64("foobar"));
        Assert.Equal(0x48e8823acfa40d89UL, OffloadGenerator.Parser.Fnv1a64("café"));
        Assert.Equal(0xb35f437506424c2dUL, OffloadGenerator.Parser.Fnv1a64("TestAssembly|global::Samples.Primes.CountPrimes(long, long)"));
    }

    [Fact]
    public void MethodId_IsTheHashOfAssemblyTypeNameAndParameterTypes()
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

        var model = Assert.Single(GeneratorRunner.StepValues<MethodModel>(output.RunResult, TrackingNames.Methods));
        Assert.Equal(0xb35f437506424c2dUL, model.MethodId);
    }

    [Fact]
    public void MethodIds_DifferForOverloads()
    {
        var output = GeneratorRunner.Run(OverloadsSource);

        var ids = GeneratorRunner.StepValues<MethodModel>(output.RunResult, TrackingNames.Methods).Select(model => model.MethodId).ToArray();
        Assert.Equal(2, ids.Length);
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    /// <summary>Two small methods, edited by the incremental tests.</summary>
    private const string MathsSource = """
        using Offload;

        namespace Samples;

        public static partial class Maths
        {
            [RunInWorkerProcess]
            public static int Twice(int value) => value * 2;

            [RunInWorkerProcess]
            public static int Thrice(int value) => value * 3;
        }
        """;

    [Fact]
    public void EditingAMethodBody_LeavesTheDispatcherCached()
    {
        var after = MathsSource.Replace("value * 2", "value + value", StringComparison.Ordinal);

        var run = GeneratorRunner.RunEdited(MathsSource, after);

        // The edited method was parsed again and found equal to its previous model...
        Assert.Contains(IncrementalStepRunReason.Unchanged, GeneratorRunner.StepReasons(run, TrackingNames.Parse));
        // ...but nothing the generator models changed, so neither the dispatcher nor any file is rebuilt.
        GeneratorRunner.AssertStepCached(run, TrackingNames.Methods, "a body edit");
        GeneratorRunner.AssertStepCached(run, TrackingNames.DispatchEntries, "a body edit");
        GeneratorRunner.AssertStepCached(run, TrackingNames.Dispatcher, "a body edit");
        Assert.All(GeneratorRunner.SourceOutputReasons(run), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
    }

    [Fact]
    public void RenamingAParameter_RegeneratesTheMethodButNotTheDispatcher()
    {
        var after = MathsSource.Replace("Twice(int value) => value * 2", "Twice(int number) => number * 2", StringComparison.Ordinal);

        var run = GeneratorRunner.RunEdited(MathsSource, after);

        // The method's model changed (its companions name the parameter)...
        Assert.Contains(IncrementalStepRunReason.Modified, GeneratorRunner.StepReasons(run, TrackingNames.Methods));
        Assert.Contains(IncrementalStepRunReason.Modified, GeneratorRunner.SourceOutputReasons(run));
        // ...but its id and invoker did not, so the dispatcher stays as it was.
        GeneratorRunner.AssertStepCached(run, TrackingNames.DispatchEntries, "a parameter rename");
        GeneratorRunner.AssertStepCached(run, TrackingNames.Dispatcher, "a parameter rename");
    }

    [Fact]
    public void ChangingAnAttributeSetting_RegeneratesTheMethodButNotTheDispatcher()
    {
        const string before = """
            using Offload;

            namespace Samples;

            public static partial class Maths
            {
                [RunInWorkerProcess(MaxRetries = 2)]
                public static int Twice(int value) => value * 2;
            }
            """;
        var after = before.Replace("MaxRetries = 2", "MaxRetries = 3", StringComparison.Ordinal);

        var run = GeneratorRunner.RunEdited(before, after);

        // The setting lives in the method's model and its descriptor...
        var model = Assert.Single(GeneratorRunner.StepValues<MethodModel>(run, TrackingNames.Methods));
        Assert.Equal(3, model.MaxRetries);
        Assert.Contains(IncrementalStepRunReason.Modified, GeneratorRunner.StepReasons(run, TrackingNames.Methods));
        Assert.Contains(IncrementalStepRunReason.Modified, GeneratorRunner.SourceOutputReasons(run));
        Assert.Contains("{ MaxRetries = 3 }", run.Results[0].GeneratedSources.Single(source => source.HintName == "Samples.Maths.Twice.g.cs").SourceText.ToString());
        // ...not in the method's id, so the dispatcher stays as it was.
        GeneratorRunner.AssertStepCached(run, TrackingNames.DispatchEntries, "a setting change");
        GeneratorRunner.AssertStepCached(run, TrackingNames.Dispatcher, "a setting change");
    }

    /// <summary>A method and an initializer, edited by the initializer incremental tests.</summary>
    private const string InitializerSource = """
        using Offload;

        namespace Samples;

        public static partial class Maths
        {
            [WorkerInitializer(Order = 1)]
            public static void Warm()
            {
                var x = 1;
            }

            [RunInWorkerProcess]
            public static int Twice(int value) => value * 2;
        }
        """;

    [Fact]
    public void EditingAnInitializerBody_LeavesEverythingCached()
    {
        var after = InitializerSource.Replace("var x = 1;", "var x = 2;", StringComparison.Ordinal);

        var run = GeneratorRunner.RunEdited(InitializerSource, after);

        Assert.Contains(IncrementalStepRunReason.Unchanged, GeneratorRunner.StepReasons(run, TrackingNames.ParseInitializer));
        GeneratorRunner.AssertStepCached(run, TrackingNames.Initializers, "an initializer body edit");
        GeneratorRunner.AssertStepCached(run, TrackingNames.Dispatcher, "an initializer body edit");
        Assert.All(GeneratorRunner.SourceOutputReasons(run), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
    }

    [Fact]
    public void ChangingAnInitializerOrder_RegeneratesTheDispatcherButNotTheMethods()
    {
        var after = InitializerSource.Replace("Order = 1", "Order = 2", StringComparison.Ordinal);

        var run = GeneratorRunner.RunEdited(InitializerSource, after);

        Assert.Contains(IncrementalStepRunReason.Modified, GeneratorRunner.StepReasons(run, TrackingNames.Initializers));
        Assert.Contains(IncrementalStepRunReason.Modified, GeneratorRunner.StepReasons(run, TrackingNames.Dispatcher));
        Assert.Equal(2, Assert.Single(GeneratorRunner.StepValues<InitializerModel>(run, TrackingNames.Initializers)).Order);
        // The method was parsed again (its file changed) but its model did not, so its file is not rebuilt.
        GeneratorRunner.AssertStepCached(run, TrackingNames.Methods, "an initializer order change");
        Assert.Contains(IncrementalStepRunReason.Modified, GeneratorRunner.SourceOutputReasons(run));
        Assert.Contains(IncrementalStepRunReason.Cached, GeneratorRunner.SourceOutputReasons(run));
    }

    [Fact]
    public void LeakCheck_FindsSymbolsAndSyntaxWhereverTheyHide()
    {
        // The runner's leak check is what keeps symbols out of the pipeline; make sure it looks deep enough.
        var compilation = GeneratorRunner.CreateCompilation("public static class Holder { }");
        var symbol = compilation.GetTypeByMetadataName("Holder")!;
        var node = compilation.SyntaxTrees.Single().GetRoot();

        GeneratorRunner.AssertNoLeak((1, new EquatableArray<Holder>([new Holder("clean", ImmutableArray.Create<object?>("text", 42))])), "clean");
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GeneratorRunner.AssertNoLeak(symbol, "symbol"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GeneratorRunner.AssertNoLeak(compilation, "compilation"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            GeneratorRunner.AssertNoLeak((1, new EquatableArray<Holder>([new Holder("leaky", ImmutableArray.Create<object?>(node))])), "nested syntax"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            GeneratorRunner.AssertNoLeak(new Holder("leaky", new[] { symbol.Locations[0] }), "location in an array"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GeneratorRunner.AssertNoLeak(new DeclaresSymbol(null), "declared but null"));
    }

    /// <summary>A model-like record that can carry anything, for <see cref="LeakCheck_FindsSymbolsAndSyntaxWhereverTheyHide"/>.</summary>
    private sealed record Holder(string Name, object Payload);

    /// <summary>A record whose field's type is the leak, even while it holds null.</summary>
    private sealed record DeclaresSymbol(ISymbol? Symbol);

    private const string OverloadsSource = """
        using Offload;

        namespace Samples;

        public static partial class Maths
        {
            [RunInWorkerProcess]
            public static int Sum(int left, int right) => left + right;

            [RunInWorkerProcess]
            public static long Sum(long[] values) => values.Length;
        }
        """;

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var index = text.IndexOf(value, StringComparison.Ordinal); index >= 0; index = text.IndexOf(value, index + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
