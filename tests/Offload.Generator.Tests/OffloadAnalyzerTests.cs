using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Offload.Generator.Diagnostics;
using Offload.Generator.Tests.Infrastructure;
using Offload.Generator.Validation;

namespace Offload.Generator.Tests;

public sealed class OffloadAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using MemoryPack;
        using Offload;

        """;

    // ---------------------------------------------------------------- OFFLOAD0001: static

    [Fact]
    public async Task InstanceMethod_ReportsOffload0001AtTheMethodName()
    {
        var source = Usings + """
            public partial class Calc
            {
                [RunInWorkerProcess]
                public int Square(int x) => x * x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0001", diagnostic.Id);
        AssertAt(diagnostic, source, "Square");
        // The usings take 6 lines, so the method name sits on line 10 (9 zero-based), column 16 (15 zero-based).
        var position = diagnostic.Location.GetLineSpan().StartLinePosition;
        Assert.Equal((9, 15), (position.Line, position.Character));
        Assert.Contains("Calc.Square(int)", diagnostic.GetMessage());
        Assert.Contains("static", diagnostic.GetMessage());
    }

    [Fact]
    public async Task StaticMethod_DoesNotReportOffload0001()
    {
        var source = Usings + """
            public partial class Calc
            {
                [RunInWorkerProcess]
                public static int Square(int x) => x * x;

                // Without the attribute nothing is checked, even though this one could not be offloaded.
                public int Cube(int x) => x * x * x;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0002: partial

    [Fact]
    public async Task NonPartialType_ReportsOffload0002AtTheTypeName()
    {
        var source = Usings + """
            public static class Calc
            {
                [RunInWorkerProcess]
                public static int Square(int x) => x * x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0002", diagnostic.Id);
        AssertAt(diagnostic, source, "Calc");
        Assert.Contains("'Calc'", diagnostic.GetMessage());
        Assert.Contains("Square", diagnostic.GetMessage());
    }

    [Fact]
    public async Task NonPartialEnclosingType_ReportsOffload0002AtTheEnclosingType()
    {
        var source = Usings + """
            namespace Maths
            {
                public class Outer
                {
                    public static partial class Inner
                    {
                        [RunInWorkerProcess]
                        public static int Square(int x) => x * x;
                    }
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0002", diagnostic.Id);
        AssertAt(diagnostic, source, "Outer");
        Assert.Contains("'Outer'", diagnostic.GetMessage());
        Assert.Contains("Outer.Inner.Square(int)", diagnostic.GetMessage());
    }

    [Fact]
    public async Task PartialTypesAllTheWayOut_DoNotReportOffload0002()
    {
        var source = Usings + """
            public partial class Outer
            {
                public partial record Inner
                {
                    [RunInWorkerProcess]
                    public static int Square(int x) => x * x;
                }
            }

            public partial class Outer
            {
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0003: generics

    [Fact]
    public async Task GenericMethod_ReportsOffload0003Only()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static T Echo<T>(T value) => value;
            }
            """;

        // The type parameter is not also reported as unserializable: OFFLOAD0003 already says it all.
        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0003", diagnostic.Id);
        AssertAt(diagnostic, source, "Echo");
        Assert.Contains("Echo", diagnostic.GetMessage());
        Assert.Contains("not supported yet", diagnostic.GetMessage());
    }

    [Fact]
    public async Task MethodOfGenericType_ReportsOffload0003()
    {
        var source = Usings + """
            public static partial class Box<T>
            {
                [RunInWorkerProcess]
                public static int Size(int x) => x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0003", diagnostic.Id);
        AssertAt(diagnostic, source, "Size");
        Assert.Contains("Size", diagnostic.GetMessage());
    }

    [Fact]
    public async Task NonGenericMethodUsingConstructedGenerics_DoesNotReportOffload0003()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static List<int> Range(Dictionary<string, int> bounds) => new();
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0004: by-ref parameters

    [Fact]
    public async Task ByRefParameters_ReportOffload0004ForEachParameter()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static void Update(ref int first, out int second, in int third, ref readonly int fourth, int fifth)
                {
                    second = 0;
                }
            }
            """;

        var diagnostics = await RunAsync(source);

        Assert.Equal(["OFFLOAD0004", "OFFLOAD0004", "OFFLOAD0004", "OFFLOAD0004"], Ids(diagnostics));
        string[] names = ["first", "second", "third", "fourth"];
        string[] modifiers = ["'ref'", "'out'", "'in'", "'ref readonly'"];
        for (var i = 0; i < names.Length; i++)
        {
            AssertAt(diagnostics[i], source, names[i]);
            Assert.Contains($"'{names[i]}'", diagnostics[i].GetMessage());
            Assert.Contains(modifiers[i], diagnostics[i].GetMessage());
            Assert.Contains("Update", diagnostics[i].GetMessage());
        }
    }

    [Fact]
    public async Task ByValueAndParamsParameters_DoNotReportOffload0004()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Sum(int seed, params int[] values) => seed;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0005: process-bound parameter types

    [Theory]
    [InlineData("int*", "pointer")]
    [InlineData("delegate*<int, void>", "function pointer")]
    [InlineData("Span<int>", "ref struct")]
    [InlineData("ReadOnlySpan<byte>", "ref struct")]
    [InlineData("Func<int>", "delegate")]
    [InlineData("Action", "delegate")]
    [InlineData("Delegate", "delegate")]
    [InlineData("dynamic", "dynamic")]
    public async Task ProcessBoundParameterType_ReportsOffload0005(string type, string why)
    {
        var source = Usings + $$"""
            public static unsafe partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run({{type}} value) => 0;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0005", diagnostic.Id);
        AssertAt(diagnostic, source, "value");
        Assert.Contains("'value'", diagnostic.GetMessage());
        Assert.Contains($"'{type}'", diagnostic.GetMessage());
        Assert.Contains("Run", diagnostic.GetMessage());
        Assert.Contains(why, diagnostic.GetMessage());
    }

    [Fact]
    public async Task ArraysAndStrings_DoNotReportOffload0005()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(byte[] bytes, string text, int[,] grid) => 0;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0006: MemoryPack serializability

    [Fact]
    public async Task UnserializableParameter_ReportsOffload0006AtTheParameter()
    {
        var source = Usings + """
            public sealed class Foo
            {
            }

            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Count(Foo foo) => 0;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0006", diagnostic.Id);
        AssertAt(diagnostic, source, "foo");
        Assert.Contains("parameter 'foo'", diagnostic.GetMessage());
        Assert.Contains("Calc.Count(Foo)", diagnostic.GetMessage());
        Assert.Contains("Foo is not serializable", diagnostic.GetMessage());
        // A class of the user's own: marking it is the fix.
        Assert.Contains("[MemoryPackable]", diagnostic.GetMessage());
        Assert.Same(DiagnosticDescriptors.NotSerializable, diagnostic.Descriptor);
    }

    [Theory]
    [InlineData("System.IO.Stream stream", "Stream", "'Stream' is declared in another assembly")]
    [InlineData("System.Net.Http.HttpClient client", "HttpClient", "'HttpClient' is declared in another assembly")]
    [InlineData("Microsoft.Extensions.Logging.ILoggerFactory factory", "ILoggerFactory", "'ILoggerFactory' is declared in another assembly")]
    [InlineData("List<System.IO.Stream> streams", "List<Stream>: Stream is not serializable", "'Stream' is declared in another assembly")]
    [InlineData("object value", "object is not serializable", "'object' is declared in another assembly")]
    [InlineData("IDocument document", "IDocument is not serializable", "'IDocument' is an interface")]
    [InlineData("Shape shape", "Shape is not serializable", "'Shape' is abstract")]
    [InlineData("Callback[] callbacks", "Callback[]: Callback is a delegate", "'Callback' is a delegate")]
    [InlineData("ILogger logger", "ILogger is not serializable", "'ILogger' is an interface")]
    public async Task TypeNobodyCanMark_ReportsOffload0006WithoutSuggestingMemoryPackable(string parameter, string reason, string why)
    {
        // Framework types, interfaces, abstract classes and delegates cannot be made serializable by marking them; the
        // message says to send the data they hold. An ILogger of the user's own is just an interface, not a logger.
        var source = Usings + $$"""
            public interface IDocument
            {
            }

            public interface ILogger
            {
            }

            public abstract class Shape
            {
            }

            public delegate void Callback();

            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run({{parameter}}) => 0;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0006", diagnostic.Id);
        Assert.Same(DiagnosticDescriptors.NotSerializableUnmarkable, diagnostic.Descriptor);
        Assert.Contains(reason, diagnostic.GetMessage());
        Assert.Contains(why, diagnostic.GetMessage());
        Assert.Contains("send the data it holds instead", diagnostic.GetMessage());
        Assert.DoesNotContain("MemoryPackable", diagnostic.GetMessage());
    }

    [Fact]
    public async Task UnserializableTypeArgument_NamesTheInnermostType()
    {
        var source = Usings + """
            public struct Named
            {
                public string Name;
            }

            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Count(Dictionary<string, List<Named>> items) => 0;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0006", diagnostic.Id);
        AssertAt(diagnostic, source, "items");
        Assert.Contains("'Dictionary<string, List<Named>>'", diagnostic.GetMessage());
        Assert.Contains("Dictionary<string, List<Named>>: Named is not serializable", diagnostic.GetMessage());
    }

    [Fact]
    public async Task UnserializableResult_ReportsOffload0006AtTheReturnType()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static Task<object> LoadAsync(int id) => Task.FromResult<object>(id);
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0006", diagnostic.Id);
        AssertAt(diagnostic, source, "Task<object>");
        Assert.Contains("return value", diagnostic.GetMessage());
        Assert.Contains("LoadAsync", diagnostic.GetMessage());
        Assert.Contains("object is not serializable", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("object")]
    [InlineData("IComparable")]
    [InlineData("Exception")]
    [InlineData("CancellationToken?")]
    [InlineData("int[,,,,]")]
    [InlineData("List<Func<int>>")]
    [InlineData("(int, object)")]
    [InlineData("KeyValuePair<int, Task>[]")]
    public async Task UnserializableTypes_ReportOffload0006(string type)
    {
        var diagnostics = await RunAsync(Usings + $$"""
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run({{type}} value) => 0;
            }
            """);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("OFFLOAD0006", diagnostic.Id);
    }

    [Theory]
    [InlineData("bool")]
    [InlineData("char")]
    [InlineData("sbyte")]
    [InlineData("decimal")]
    [InlineData("nint")]
    [InlineData("nuint")]
    [InlineData("string?")]
    [InlineData("DayOfWeek")]
    [InlineData("int?")]
    [InlineData("Guid")]
    [InlineData("DateTimeOffset")]
    [InlineData("DateOnly")]
    [InlineData("TimeSpan")]
    [InlineData("Half")]
    [InlineData("Int128")]
    [InlineData("System.Numerics.BigInteger")]
    [InlineData("System.Numerics.Complex")]
    [InlineData("System.Numerics.Vector3")]
    [InlineData("Version")]
    [InlineData("Uri")]
    [InlineData("Type")]
    [InlineData("System.Text.StringBuilder")]
    [InlineData("System.Text.Rune")]
    [InlineData("System.Collections.BitArray")]
    [InlineData("System.Globalization.CultureInfo")]
    [InlineData("TimeZoneInfo")]
    [InlineData("Point")]
    [InlineData("int[,,,]")]
    [InlineData("int[][]")]
    [InlineData("ArraySegment<byte>")]
    [InlineData("ReadOnlyMemory<char>")]
    [InlineData("System.Buffers.ReadOnlySequence<byte>")]
    [InlineData("Stack<int>")]
    [InlineData("Queue<string>")]
    [InlineData("LinkedList<int>")]
    [InlineData("HashSet<Guid>")]
    [InlineData("SortedSet<int>")]
    [InlineData("PriorityQueue<string, int>")]
    [InlineData("SortedDictionary<string, int>")]
    [InlineData("SortedList<int, string>")]
    [InlineData("System.Collections.ObjectModel.ObservableCollection<int>")]
    [InlineData("System.Collections.ObjectModel.ReadOnlyCollection<int>")]
    [InlineData("System.Collections.Concurrent.ConcurrentDictionary<int, string>")]
    [InlineData("System.Collections.Concurrent.BlockingCollection<int>")]
    [InlineData("System.Collections.Frozen.FrozenSet<int>")]
    [InlineData("System.Collections.Immutable.ImmutableArray<int>")]
    [InlineData("System.Collections.Immutable.IImmutableDictionary<string, int>")]
    [InlineData("IEnumerable<int>")]
    [InlineData("IReadOnlyDictionary<string, IList<int>>")]
    [InlineData("System.Linq.ILookup<int, string>")]
    [InlineData("IReadOnlySet<int>")]
    [InlineData("KeyValuePair<string, int>")]
    [InlineData("Lazy<int>")]
    [InlineData("Tuple<int, string>")]
    [InlineData("Tuple<int, int, int, int, int, int, int, Tuple<string>>")]
    [InlineData("(int Id, string Name)")]
    [InlineData("Box<List<Item>>")]
    [InlineData("IShape")]
    public async Task SerializableTypes_DoNotReportOffload0006(string type)
    {
        var diagnostics = await RunAsync(Usings + $$"""
            public struct Point
            {
                public int X;
                public int Y;
            }

            [MemoryPackable]
            public partial class Item
            {
                public string Name { get; set; } = "";
            }

            [MemoryPackable]
            public partial class Box<T>
            {
                public T? Value { get; set; }
            }

            [MemoryPackUnion(0, typeof(Item))]
            public partial interface IShape
            {
            }

            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static {{type}} Run({{type}} value) => value;
            }
            """);

        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task GenericMemoryPackableWithUnserializableArgument_ReportsOffload0006()
    {
        var source = Usings + """
            [MemoryPackable]
            public partial class Box<T>
            {
                public T? Value { get; set; }
            }

            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(Box<object> box) => 0;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0006", diagnostic.Id);
        Assert.Contains("Box<object>: object is not serializable", diagnostic.GetMessage());
        // Box is the user's, but what stops it is object, which nobody can mark.
        Assert.DoesNotContain("MemoryPackable", diagnostic.GetMessage());
    }

    // ---------------------------------------------------------------- OFFLOAD0007: return shape

    [Theory]
    [InlineData("public static ref int Get() => ref s_value;", "ref int", "ref return")]
    [InlineData("public static ref readonly int Get() => ref s_value;", "ref readonly int", "ref return")]
    [InlineData("public static Task<IAsyncEnumerable<int>> Get() => null!;", "Task<IAsyncEnumerable<int>>", "return IAsyncEnumerable<T> directly")]
    [InlineData("public static ValueTask<IAsyncEnumerable<int>> Get() => default;", "ValueTask<IAsyncEnumerable<int>>", "return IAsyncEnumerable<T> directly")]
    [InlineData("public static IAsyncEnumerator<int> Get() => null!;", "IAsyncEnumerator<int>", "enumerator")]
    [InlineData("public static IEnumerator<int> Get() { yield return 1; }", "IEnumerator<int>", "enumerator")]
    [InlineData("public static System.Collections.IEnumerator Get() { yield return 1; }", "System.Collections.IEnumerator", "enumerator")]
    [InlineData("public static Span<int> Get() => default;", "Span<int>", "ref struct")]
    [InlineData("public static unsafe int* Get() => null;", "int*", "pointer")]
    [InlineData("public static async void Get() => await Task.Yield();", "void", "async void")]
    public async Task UnsupportedReturnShape_ReportsOffload0007AtTheReturnType(string method, string returnType, string why)
    {
        var source = Usings + $$"""
            public static partial class Calc
            {
                private static int s_value;

                [RunInWorkerProcess]
                {{method}}
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0007", diagnostic.Id);
        AssertAt(diagnostic, source, returnType);
        Assert.Contains("Get", diagnostic.GetMessage());
        Assert.Contains(why, diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("public static void Get() { }")]
    [InlineData("public static int Get() => 1;")]
    [InlineData("public static Task Get() => Task.CompletedTask;")]
    [InlineData("public static async Task<int> Get() { await Task.Yield(); return 1; }")]
    [InlineData("public static ValueTask Get() => default;")]
    [InlineData("public static ValueTask<string> Get() => new(\"\");")]
    [InlineData("public static IEnumerable<int> Get() { yield return 1; }")]
    [InlineData("public static async IAsyncEnumerable<int> Get() { await Task.Yield(); yield return 1; }")]
    [InlineData("public static IAsyncEnumerable<string> Get() => null!;")]
    public async Task SupportedReturnShape_DoesNotReportOffload0007(string method)
    {
        var source = Usings + $$"""
            public static partial class Calc
            {
                [RunInWorkerProcess]
                {{method}}
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0008: companion name taken

    [Theory]
    [InlineData("Square", "SquareAsync", "public static int SquareAsync => 0;")]
    [InlineData("Square", "SquareAsync", "public static Task<int> SquareAsync(int x) => Task.FromResult(x);")]
    [InlineData("Square", "SquareAsync", "public sealed class SquareAsync { }")]
    [InlineData("Square", "SquareAsync", "[System.CodeDom.Compiler.GeneratedCode(\"Other.Tool\", \"1.0\")] public static int SquareAsync() => 0;")]
    [InlineData("SquareAsync", "SquareInWorkerAsync", "public static int SquareInWorkerAsync() => 0;")]
    [InlineData("Square", "__Offload", "internal static class __Offload { }")]
    [InlineData("Square", "__Offload", "public static int __Offload() => 0;")]
    public async Task MemberWithCompanionName_ReportsOffload0008AtTheMethod(string methodName, string companionName, string member)
    {
        var source = Usings + $$"""
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int {{methodName}}(int x) => x * x;
            }

            public static partial class Calc
            {
                {{member}}
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0008", diagnostic.Id);
        AssertAt(diagnostic, source, methodName);
        Assert.Contains($"'{companionName}'", diagnostic.GetMessage());
        Assert.Contains($"Calc.{methodName}(int)", diagnostic.GetMessage());
        Assert.Contains("type 'Calc'", diagnostic.GetMessage());
        // The user's member is attached, so an IDE can jump to it.
        var additional = Assert.Single(diagnostic.AdditionalLocations);
        Assert.Equal(companionName, AnalyzerRunner.GetSpanText(additional));
    }

    [Theory]
    [InlineData("__Offload")]
    [InlineData("SquareAsync")]
    [InlineData("SquareMapAsync")]
    public async Task TypeNamedLikeAGeneratedMember_ReportsOffload0008AtTheMethod(string typeName)
    {
        // A member may not be named after its type (CS0542): not the companions, nor the hidden plumbing class.
        var source = Usings + $$"""
            public static partial class {{typeName}}
            {
                [RunInWorkerProcess]
                public static int Square(int x) => x * x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0008", diagnostic.Id);
        AssertAt(diagnostic, source, "Square", after: "static int ");
        Assert.Contains($"'{typeName}'", diagnostic.GetMessage());
        Assert.Equal(typeName, AnalyzerRunner.GetSpanText(Assert.Single(diagnostic.AdditionalLocations)));
    }

    [Fact]
    public async Task MembersGeneratedByOffloadOrNamedDifferently_DoNotReportOffload0008()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Square(int x) => x * x;

                // An [RunInWorkerProcess] method ending in Async gets FetchInWorkerAsync, so it does not collide with itself.
                [RunInWorkerProcess]
                public static Task<int> FetchAsync(int x) => Task.FromResult(x);

                public static int Squared(int x) => x * x;
            }

            public static partial class Calc
            {
                [System.CodeDom.Compiler.GeneratedCode("Offload.Generator", "0.1.0")]
                public static Task<int> SquareAsync(int x, CancellationToken cancellationToken = default) => Task.FromResult(x);
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    [Theory]
    [InlineData("public static int Square(int x) => x * x;", "Square", "SquareMapAsync", "public static int SquareMapAsync => 0;")]
    [InlineData("public static int Square(int x) => x * x;", "Square", "SquareMapUnorderedAsync", "public static void SquareMapUnorderedAsync() { }")]
    [InlineData("public static Task<int> SquareAsync(int x) => Task.FromResult(x);", "SquareAsync", "SquareMapAsync", "public sealed class SquareMapAsync { }")]
    [InlineData("public static void Touch(string path) { }", "Touch", "TouchForEachAsync", "public static Task TouchForEachAsync(IEnumerable<string> paths) => Task.CompletedTask;")]
    [InlineData("public static Task Flush(int level, CancellationToken token) => Task.CompletedTask;", "Flush", "FlushForEachAsync", "public static int FlushForEachAsync;")]
    public async Task MemberWithAMapCompanionName_ReportsOffload0008AtTheMethod(string method, string methodName, string companionName, string member)
    {
        var source = Usings + $$"""
            public static partial class Calc
            {
                [RunInWorkerProcess]
                {{method}}

                {{member}}
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0008", diagnostic.Id);
        AssertAt(diagnostic, source, methodName);
        Assert.Contains($"'{companionName}'", diagnostic.GetMessage());
        var additional = Assert.Single(diagnostic.AdditionalLocations);
        Assert.Equal(companionName, AnalyzerRunner.GetSpanText(additional));
    }

    [Fact]
    public async Task MembersNamedLikeMapCompanionsThatAreNotGenerated_DoNotReportOffload0008()
    {
        // A method without arguments gets no map companions, and one with a result gets no ForEachAsync (nor one
        // without a result a MapAsync), so these names are free; Offload's own members never count.
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Ping() => 1;

                [RunInWorkerProcess]
                public static int Poll(CancellationToken token) => 1;

                [RunInWorkerProcess]
                public static int Square(int x) => x * x;

                [RunInWorkerProcess]
                public static void Touch(string path)
                {
                }

                public static int PingMapAsync() => 0;

                public static int PollMapAsync() => 0;

                public static int SquareForEachAsync() => 0;

                public static int TouchMapAsync() => 0;

                [System.CodeDom.Compiler.GeneratedCode("Offload.Generator", "0.1.0")]
                public static int SquareMapAsync() => 0;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    [Fact]
    public async Task EveryMapCompanionNameInTheWay_IsReportedOnce()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Square(int x) => x * x;

                public static int SquareMapAsync() => 0;

                public static int SquareMapUnorderedAsync() => 0;
            }
            """;

        var diagnostics = await RunAsync(source);

        Assert.Equal(["OFFLOAD0008", "OFFLOAD0008"], Ids(diagnostics));
        Assert.Contains(diagnostics, diagnostic => diagnostic.GetMessage().Contains("'SquareMapAsync'", StringComparison.Ordinal));
        Assert.Contains(diagnostics, diagnostic => diagnostic.GetMessage().Contains("'SquareMapUnorderedAsync'", StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------- OFFLOAD0009: reachability

    [Theory]
    [InlineData("private", "private")]
    [InlineData("protected", "protected")]
    [InlineData("private protected", "private protected")]
    public async Task HiddenNestedType_ReportsOffload0009AtTheType(string accessibility, string described)
    {
        var source = Usings + $$"""
            public partial class Outer
            {
                {{accessibility}} static partial class Inner
                {
                    [RunInWorkerProcess]
                    public static int Square(int x) => x * x;
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0009", diagnostic.Id);
        AssertAt(diagnostic, source, "Inner");
        Assert.Contains("'Outer.Inner'", diagnostic.GetMessage());
        Assert.Contains($"is {described},", diagnostic.GetMessage());
        Assert.Contains("Square", diagnostic.GetMessage());
    }

    [Fact]
    public async Task FileLocalType_ReportsOffload0009()
    {
        var source = Usings + """
            file static partial class Hidden
            {
                [RunInWorkerProcess]
                public static int Square(int x) => x * x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0009", diagnostic.Id);
        AssertAt(diagnostic, source, "Hidden");
        Assert.Contains("Hidden", diagnostic.GetMessage());
        Assert.Contains("file-local", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("public")]
    [InlineData("internal")]
    [InlineData("protected internal")]
    [InlineData("")]
    public async Task ReachableNestedType_DoesNotReportOffload0009(string accessibility)
    {
        // A top-level type without a modifier is internal; a nested one is private, so nest only explicit modifiers.
        var source = Usings + (accessibility.Length == 0
            ? """
                static partial class Calc
                {
                    [RunInWorkerProcess]
                    private static int Square(int x) => x * x;
                }
                """
            : $$"""
                public partial class Outer
                {
                    {{accessibility}} static partial class Inner
                    {
                        [RunInWorkerProcess]
                        public static int Square(int x) => x * x;
                    }
                }
                """);

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0010: unsupported kinds

    [Fact]
    public async Task InterfaceStaticMethod_ReportsOffload0010()
    {
        var source = Usings + """
            public partial interface IService
            {
                [RunInWorkerProcess]
                static int Compute(int x) => x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0010", diagnostic.Id);
        AssertAt(diagnostic, source, "Compute");
        Assert.Contains("IService.Compute(int)", diagnostic.GetMessage());
        Assert.Contains("interface", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("[System.Runtime.InteropServices.DllImport(\"native\")] public static extern int Compute(int x);", "Compute", "extern")]
    [InlineData("public abstract int Compute(int x);", "Compute", "abstract")]
    [InlineData("public static Calc operator +(Calc left, Calc right) => left;", "+", "operator")]
    [InlineData("public static int Compute { [RunInWorkerProcess] get => 1; }", "get", "accessor")]
    public async Task UnsupportedMethodKind_ReportsOffload0010Only(string member, string location, string what)
    {
        // The accessor case carries its own attribute; the others get it from the line above.
        var attribute = member.Contains("get =>", StringComparison.Ordinal) ? "" : "[RunInWorkerProcess]";
        var source = Usings + $$"""
            public abstract partial class Calc
            {
                {{attribute}}
                {{member}}
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0010", diagnostic.Id);
        AssertAt(diagnostic, source, location, after: "class Calc");
        Assert.Contains(what, diagnostic.GetMessage());
    }

    [Fact]
    public async Task LocalFunction_ReportsOffload0010AtItsName()
    {
        var source = Usings + """
            public static partial class Calc
            {
                public static int Outer()
                {
                    return Local();

                    [RunInWorkerProcess]
                    static int Local() => 1;
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0010", diagnostic.Id);
        AssertAt(diagnostic, source, "Local", after: "[RunInWorkerProcess]");
        Assert.Contains("Local", diagnostic.GetMessage());
        Assert.Contains("local function", diagnostic.GetMessage());
    }

    [Fact]
    public async Task Lambda_ReportsOffload0010AtTheAttribute()
    {
        var source = Usings + """
            public static partial class Calc
            {
                public static Func<int, int> Square = [RunInWorkerProcess] static (int x) => x * x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0010", diagnostic.Id);
        AssertAt(diagnostic, source, "RunInWorkerProcess", after: "Square =");
        Assert.Contains("lambda", diagnostic.GetMessage());
    }

    [Fact]
    public async Task MethodsOfStructsAndRecords_DoNotReportOffload0010()
    {
        var source = Usings + """
            public partial struct Vector
            {
                [RunInWorkerProcess]
                public static double Length(double x, double y) => Math.Sqrt((x * x) + (y * y));
            }

            public partial record Person(string Name)
            {
                [RunInWorkerProcess]
                public static string Greet(string name) => "Hello " + name;
            }

            public partial record struct Pair(int Left, int Right)
            {
                [RunInWorkerProcess]
                public static int Sum(int left, int right) => left + right;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0011: cancellation tokens

    [Fact]
    public async Task SecondCancellationToken_ReportsOffload0011AtTheSecondParameter()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static Task<int> SquareAsync(int x, CancellationToken first, CancellationToken second) => Task.FromResult(x);
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0011", diagnostic.Id);
        AssertAt(diagnostic, source, "second");
        Assert.Contains("'second'", diagnostic.GetMessage());
        Assert.Contains("SquareAsync", diagnostic.GetMessage());
    }

    [Fact]
    public async Task SingleCancellationToken_IsNotSerializedAndNotReported()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static Task<int> SquareAsync(CancellationToken cancellationToken, int x) => Task.FromResult(x);
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- streams, progress and loggers (OFFLOAD0020)

    [Fact]
    public async Task StreamsProgressAndLoggers_AreAcceptedWithoutDiagnostics()
    {
        var source = Usings + """
            using System.Runtime.CompilerServices;
            using Microsoft.Extensions.Logging;

            [MemoryPackable]
            public partial record Percent(int Done, int Total);

            public static partial class Files
            {
                [RunInWorkerProcess]
                public static async IAsyncEnumerable<Percent> Scan(string path, IProgress<int> progress, ILogger logger, [EnumeratorCancellation] CancellationToken ct)
                {
                    await Task.Yield();
                    yield return new Percent(1, path.Length);
                }

                [RunInWorkerProcess]
                public static int Parse(string text, ILogger<Percent> typed, ILogger plain, IProgress<Percent>? progress) => text.Length;

                [RunInWorkerProcess]
                public static void Log(ILogger logger)
                {
                }
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    [Fact]
    public async Task SecondProgressParameter_ReportsOffload0020AtTheSecondParameter()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(int x, IProgress<int> first, IProgress<string> second) => x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0020", diagnostic.Id);
        AssertAt(diagnostic, source, "second");
        Assert.Contains("'second'", diagnostic.GetMessage());
        Assert.Contains("Calc.Run(int, IProgress<int>, IProgress<string>)", diagnostic.GetMessage());
    }

    [Fact]
    public async Task UnserializableProgressReport_ReportsOffload0006NamingTheReportType()
    {
        var source = Usings + """
            public sealed class Status
            {
            }

            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(int x, IProgress<Status> progress) => x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0006", diagnostic.Id);
        AssertAt(diagnostic, source, "progress");
        Assert.Contains("progress report type of parameter 'progress'", diagnostic.GetMessage());
        Assert.Contains("has type 'Status'", diagnostic.GetMessage());
        Assert.Contains("[MemoryPackable]", diagnostic.GetMessage());
    }

    [Fact]
    public async Task UnserializableStreamItem_ReportsOffload0006AtTheReturnType()
    {
        var source = Usings + """
            public sealed class Row
            {
            }

            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static IAsyncEnumerable<Row> Rows(string path) => null!;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0006", diagnostic.Id);
        AssertAt(diagnostic, source, "IAsyncEnumerable<Row>");
        Assert.Contains("streamed item type", diagnostic.GetMessage());
        Assert.Contains("Row is not serializable", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("ref IProgress<int> progress", "ref")]
    [InlineData("out Microsoft.Extensions.Logging.ILogger logger", "out")]
    [InlineData("in Microsoft.Extensions.Logging.ILogger<Calc> logger", "in")]
    public async Task ProgressOrLoggerByReference_ReportsOffload0004(string parameter, string modifier)
    {
        var source = Usings + $$"""
            public partial class Calc
            {
                [RunInWorkerProcess]
                public static void Run({{parameter}}) => throw new NotSupportedException();
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0004", diagnostic.Id);
        Assert.Contains($"'{modifier}'", diagnostic.GetMessage());
    }

    [Fact]
    public async Task StreamsAndMethodsWithProgress_GetNoMapCompanionsSoTheirNamesAreFree()
    {
        // Neither shape has map companions, so members with their would-be names are no conflict (OFFLOAD0008).
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static IAsyncEnumerable<int> Scan(string path) => null!;

                [RunInWorkerProcess]
                public static int Count(string path, IProgress<int> progress) => 0;

                public static int ScanMapAsync() => 0;

                public static int ScanForEachAsync() => 0;

                public static int CountMapAsync() => 0;

                public static int CountMapUnorderedAsync() => 0;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0012: colliding companions

    [Fact]
    public async Task OverloadsThatDifferOnlyByACancellationToken_ReportOffload0012OnBoth()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(int x) => x;

                [RunInWorkerProcess]
                public static int Run(int x, CancellationToken token) => x;
            }
            """;

        var diagnostics = await RunAsync(source);

        Assert.Equal(["OFFLOAD0012", "OFFLOAD0012"], Ids(diagnostics));
        Assert.Contains("Calc.Run(int)", diagnostics[0].GetMessage());
        Assert.Contains("Calc.Run(int, CancellationToken)", diagnostics[0].GetMessage());
        Assert.Contains("'RunAsync'", diagnostics[0].GetMessage());
    }

    [Fact]
    public async Task OverloadsThatDifferOnlyByALogger_ReportOffload0012OnBoth()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(int x) => x;

                [RunInWorkerProcess]
                public static int Run(Microsoft.Extensions.Logging.ILogger logger, int x) => x;
            }
            """;

        var diagnostics = await RunAsync(source);

        Assert.Equal(["OFFLOAD0012", "OFFLOAD0012"], Ids(diagnostics));
        Assert.Contains("'RunAsync'", diagnostics[0].GetMessage());
        Assert.Contains("ILogger parameters are not part of a companion's signature", diagnostics[0].GetMessage());
    }

    [Fact]
    public async Task OverloadsThatDifferByAProgress_AreNotReported()
    {
        // The progress is a companion parameter; and a method with progress has no map companion to collide.
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(int x) => x;

                [RunInWorkerProcess]
                public static int Run(int x, IProgress<int> progress) => x;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    [Fact]
    public async Task OverloadsWithDifferentCompanionParameters_AreNotReported()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(int x) => x;

                [RunInWorkerProcess]
                public static int Run(long x, CancellationToken token) => (int)x;

                public static int Run(int x, CancellationToken token) => x;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    [Fact]
    public async Task OverloadsTakingATupleAndItsElements_ReportOffload0012OnBoth()
    {
        // Their companions differ, but both map companions would take IEnumerable<(int, int)>.
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(int x, int y) => x + y;

                [RunInWorkerProcess]
                public static int Run((int Left, int Right) pair) => pair.Left;
            }
            """;

        var diagnostics = await RunAsync(source);

        Assert.Equal(["OFFLOAD0012", "OFFLOAD0012"], Ids(diagnostics));
        Assert.Contains("'RunMapAsync'", diagnostics[0].GetMessage());
        Assert.Contains("as one tuple", diagnostics[0].GetMessage());
    }

    [Theory]
    [InlineData("public static void Run((int Left, int Right) pair) { }")]
    [InlineData("public static int Run((int Left, long Right) pair) => pair.Left;")]
    [InlineData("public static int Run(System.ValueTuple<int> one) => one.Item1;")]
    public async Task OverloadsWhoseMapCompanionsDiffer_AreNotReported(string other)
    {
        // A method without a result gets ForEachAsync instead; other tuple element types differ; a 1-tuple is one item.
        var source = Usings + $$"""
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Run(int x, int y) => x + y;

                [RunInWorkerProcess]
                public static int Run(int x) => x;

                [RunInWorkerProcess]
                {{other}}
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0013: invalid settings

    [Theory]
    [InlineData("MaxRetries = -1", "MaxRetries = -1", "MaxRetries = -1", "between 0 and 100")]
    [InlineData("MaxRetries = 101", "MaxRetries = 101", "MaxRetries = 101", "between 0 and 100")]
    [InlineData("TimeoutMilliseconds = -1", "TimeoutMilliseconds = -1", "TimeoutMilliseconds = -1", "positive number of milliseconds")]
    [InlineData("RetryOnException = true, MaxRetries = Limits.TooMany", "MaxRetries = Limits.TooMany", "MaxRetries = 500", "between 0 and 100")]
    public async Task InvalidSetting_ReportsOffload0013AtTheArgument(string arguments, string location, string described, string why)
    {
        var source = Usings + $$"""
            public static class Limits
            {
                public const int TooMany = 500;
            }

            public static partial class Calc
            {
                [RunInWorkerProcess({{arguments}})]
                public static int Square(int x) => x * x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0013", diagnostic.Id);
        // The squiggle covers the argument as written; the message gives its value, constants resolved.
        AssertAt(diagnostic, source, location);
        Assert.Contains(described, diagnostic.GetMessage());
        Assert.Contains("Calc.Square(int)", diagnostic.GetMessage());
        Assert.Contains(why, diagnostic.GetMessage());
    }

    [Fact]
    public async Task TwoInvalidSettings_ReportOffload0013ForEach()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess(TimeoutMilliseconds = -5, MaxRetries = -1)]
                public static int Square(int x) => x * x;
            }
            """;

        var diagnostics = await RunAsync(source);

        Assert.Equal(["OFFLOAD0013", "OFFLOAD0013"], Ids(diagnostics));
        AssertAt(diagnostics[0], source, "TimeoutMilliseconds = -5");
        AssertAt(diagnostics[1], source, "MaxRetries = -1");
    }

    [Theory]
    [InlineData("")]
    [InlineData("MaxRetries = 0")]
    [InlineData("MaxRetries = 100")]
    [InlineData("TimeoutMilliseconds = 0")]
    [InlineData("TimeoutMilliseconds = 1")]
    [InlineData("TimeoutMilliseconds = int.MaxValue")]
    [InlineData("MaxRetries = 3, RetryOnException = true, TimeoutMilliseconds = 2000")]
    [InlineData("RetryOnException = false")]
    public async Task ValidSettings_DoNotReportOffload0013(string arguments)
    {
        var source = Usings + $$"""
            public static partial class Calc
            {
                [RunInWorkerProcess({{arguments}})]
                public static int Square(int x) => x * x;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0014: RetryOnException without retries

    [Theory]
    [InlineData("RetryOnException = true")]
    [InlineData("MaxRetries = 0, RetryOnException = true")]
    public async Task RetryOnExceptionWithoutRetries_ReportsOffload0014AsAWarning(string arguments)
    {
        var source = Usings + $$"""
            public static partial class Calc
            {
                [RunInWorkerProcess({{arguments}})]
                public static int Square(int x) => x * x;
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0014", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        AssertAt(diagnostic, source, "RetryOnException = true");
        Assert.Contains("Calc.Square(int)", diagnostic.GetMessage());
        Assert.Contains("MaxRetries", diagnostic.GetMessage());
    }

    [Fact]
    public async Task RetryOnExceptionWithRetries_DoesNotReportOffload0014()
    {
        var source = Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess(RetryOnException = true, MaxRetries = 1)]
                public static int Square(int x) => x * x;
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0015: static initializer

    [Fact]
    public async Task InstanceInitializer_ReportsOffload0015AtTheMethodName()
    {
        // The type need not be partial: the dispatcher calls initializers directly, so nothing is added to it.
        var source = Usings + """
            public sealed class Model
            {
                [WorkerInitializer]
                public void Load()
                {
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0015", diagnostic.Id);
        AssertAt(diagnostic, source, "Load");
        Assert.Contains("'Model.Load()'", diagnostic.GetMessage());
        Assert.Contains("static", diagnostic.GetMessage());
    }

    [Fact]
    public async Task StaticInitializerOfANonPartialType_IsNotReported()
    {
        var source = Usings + """
            public sealed class Model
            {
                [WorkerInitializer]
                public static void Load()
                {
                }

                // Without the attribute nothing is checked.
                public void Unload()
                {
                }
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0016: initializer parameters

    [Fact]
    public async Task InitializerWithParameters_ReportsOffload0016AtTheParameterList()
    {
        var source = Usings + """
            public static class Setup
            {
                [WorkerInitializer]
                public static void Load(string path, int size)
                {
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0016", diagnostic.Id);
        AssertAt(diagnostic, source, "(string path, int size)");
        Assert.Contains("'Setup.Load(string, int)'", diagnostic.GetMessage());
        Assert.Contains("EnvironmentVariables", diagnostic.GetMessage());
    }

    [Fact]
    public async Task ParameterlessInitializer_DoesNotReportOffload0016()
    {
        var source = Usings + """
            public static class Setup
            {
                [WorkerInitializer]
                public static void Load()
                {
                }

                // An overload with parameters is not an initializer.
                public static void Load(string path)
                {
                }
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0017: generic initializer

    [Theory]
    [InlineData("public static class Setup { [WorkerInitializer] public static void Warm<T>() { } }")]
    [InlineData("public static class Cache<T> { [WorkerInitializer] public static void Warm() { } }")]
    [InlineData("public static class Cache<T> { public static class Inner { [WorkerInitializer] public static void Warm() { } } }")]
    public async Task GenericInitializer_ReportsOffload0017AtTheMethodName(string declaration)
    {
        var source = Usings + declaration;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0017", diagnostic.Id);
        AssertAt(diagnostic, source, "Warm");
        Assert.Contains("Warm", diagnostic.GetMessage());
        Assert.Contains("generic", diagnostic.GetMessage());
    }

    [Fact]
    public async Task InitializerUsingConstructedGenerics_DoesNotReportOffload0017()
    {
        var source = Usings + """
            public static class Setup
            {
                public static List<int> Values = new();

                [WorkerInitializer]
                public static void Warm() => Values = new List<int> { 1, 2 };
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0018: initializer return

    [Theory]
    [InlineData("public static int Load() => 1;", "int", "nowhere to put a result")]
    [InlineData("public static Task<int> Load() => Task.FromResult(1);", "Task<int>", "nowhere to put a result")]
    [InlineData("public static ValueTask<bool> Load() => new(true);", "ValueTask<bool>", "nowhere to put a result")]
    [InlineData("public static ValueTask? Load() => null;", "ValueTask?", "nowhere to put a result")]
    [InlineData("public static Task? Load() => null;", "Task?", "null task")]
    [InlineData("public static ref int Load() => ref s_value;", "ref int", "ref return")]
    [InlineData("public static async void Load() => await Task.Yield();", "void", "async void")]
    public async Task UnsupportedInitializerReturn_ReportsOffload0018AtTheReturnType(string method, string returnType, string why)
    {
        var source = Usings + $$"""
            public static class Setup
            {
                private static int s_value;

                [WorkerInitializer]
                {{method}}
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0018", diagnostic.Id);
        AssertAt(diagnostic, source, returnType, after: "[WorkerInitializer]");
        Assert.Contains("Setup.Load()", diagnostic.GetMessage());
        Assert.Contains(why, diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("public static void Load() { }")]
    [InlineData("public static Task Load() => Task.CompletedTask;")]
    [InlineData("public static async Task Load() => await Task.Yield();")]
    [InlineData("public static ValueTask Load() => default;")]
    [InlineData("public static async ValueTask Load() => await Task.Yield();")]
    public async Task SupportedInitializerReturn_DoesNotReportOffload0018(string method)
    {
        var source = Usings + $$"""
            public static class Setup
            {
                [WorkerInitializer]
                {{method}}
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    // ---------------------------------------------------------------- OFFLOAD0019: initializer the dispatcher cannot call

    [Theory]
    [InlineData("private", "it is private")]
    [InlineData("protected", "it is protected")]
    [InlineData("private protected", "it is private protected")]
    public async Task HiddenInitializer_ReportsOffload0019AtTheMethodName(string accessibility, string why)
    {
        var source = Usings + $$"""
            public class Setup
            {
                [WorkerInitializer]
                {{accessibility}} static void Load()
                {
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0019", diagnostic.Id);
        AssertAt(diagnostic, source, "Load");
        Assert.Contains("'Setup.Load()'", diagnostic.GetMessage());
        Assert.Contains(why + ";", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("private", "private")]
    [InlineData("protected", "protected")]
    [InlineData("private protected", "private protected")]
    public async Task InitializerInAHiddenType_ReportsOffload0019AtTheType(string accessibility, string described)
    {
        var source = Usings + $$"""
            public class Outer
            {
                {{accessibility}} static class Inner
                {
                    [WorkerInitializer]
                    public static void Load()
                    {
                    }
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0019", diagnostic.Id);
        AssertAt(diagnostic, source, "Inner");
        Assert.Contains("'Outer.Inner.Load()'", diagnostic.GetMessage());
        Assert.Contains($"type 'Outer.Inner' is {described}", diagnostic.GetMessage());
    }

    [Fact]
    public async Task InitializerInAFileLocalType_ReportsOffload0019AtTheType()
    {
        var source = Usings + """
            file static class Hidden
            {
                [WorkerInitializer]
                public static void Load()
                {
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0019", diagnostic.Id);
        AssertAt(diagnostic, source, "Hidden");
        Assert.Contains("file-local", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("[WorkerInitializer] public static Setup operator +(Setup left, Setup right) => left;", "+", "operator")]
    [InlineData("public static int Value { [WorkerInitializer] get => 1; }", "get", "accessor")]
    public async Task InitializerThatIsNotAnOrdinaryMethod_ReportsOffload0019Only(string member, string location, string what)
    {
        var source = Usings + $$"""
            public class Setup
            {
                {{member}}
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0019", diagnostic.Id);
        AssertAt(diagnostic, source, location, after: "class Setup");
        Assert.Contains(what, diagnostic.GetMessage());
    }

    [Fact]
    public async Task LocalFunctionInitializer_ReportsOffload0019AtItsName()
    {
        var source = Usings + """
            public static class Setup
            {
                public static void Run()
                {
                    Local();

                    [WorkerInitializer]
                    static void Local()
                    {
                    }
                }
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0019", diagnostic.Id);
        AssertAt(diagnostic, source, "Local", after: "[WorkerInitializer]");
        Assert.Contains("local function", diagnostic.GetMessage());
    }

    [Fact]
    public async Task StaticAbstractInterfaceInitializer_ReportsOffload0019()
    {
        var source = Usings + """
            public interface IWarmable
            {
                [WorkerInitializer]
                static abstract void Warm();
            }
            """;

        var diagnostic = Assert.Single(await RunAsync(source));

        Assert.Equal("OFFLOAD0019", diagnostic.Id);
        AssertAt(diagnostic, source, "Warm");
        Assert.Contains("static abstract or virtual interface member", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("public", "public")]
    [InlineData("internal", "internal")]
    [InlineData("protected internal", "public")]
    [InlineData("public", "protected internal")]
    public async Task ReachableInitializer_DoesNotReportOffload0019(string methodAccessibility, string typeAccessibility)
    {
        // A nested type, a struct and a static interface method with a body all can be called by name.
        var source = Usings + $$"""
            public class Outer
            {
                {{typeAccessibility}} class Inner
                {
                    [WorkerInitializer]
                    {{methodAccessibility}} static void Load()
                    {
                    }
                }
            }

            public struct Vector
            {
                [WorkerInitializer]
                internal static void Load()
                {
                }
            }

            public interface IWarmable
            {
                [WorkerInitializer]
                static void Warm()
                {
                }
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    [Fact]
    public async Task MethodWithBothAttributes_IsCheckedByBothRuleSets()
    {
        var source = Usings + """
            public static class Calc
            {
                [RunInWorkerProcess]
                [WorkerInitializer]
                public static int Warm() => 1;
            }
            """;

        var diagnostics = await RunAsync(source);

        // Not partial (a [RunInWorkerProcess] rule), and returns a value (an initializer rule).
        Assert.Equal(["OFFLOAD0002", "OFFLOAD0018"], Ids(diagnostics));
    }

    // ---------------------------------------------------------------- everything together

    [Fact]
    public async Task FullyValidClass_ProducesNoDiagnostics()
    {
        var source = Usings + """
            namespace Sample.Workloads
            {
                public enum Mode
                {
                    Fast,
                    Thorough,
                }

                [MemoryPackable]
                public partial class Report
                {
                    public string Title { get; set; } = "";

                    public List<double> Values { get; set; } = new();
                }

                public static partial class Outer
                {
                    internal static partial class Maths
                    {
                        [RunInWorkerProcess]
                        public static long CountPrimes(long from, long to) => to - from;

                        [RunInWorkerProcess]
                        public static long CountPrimes(int upTo) => upTo;

                        [RunInWorkerProcess]
                        public static void Warm(bool flag, char c, byte b, short s, uint u, float f, double d, decimal m)
                        {
                        }

                        [RunInWorkerProcess]
                        public static string Describe(string text, Mode mode, int[] values, string[,] grid) => text;

                        [RunInWorkerProcess]
                        public static Dictionary<string, List<int>> Group(List<string> words, Dictionary<string, int> counts) => new();

                        [RunInWorkerProcess]
                        public static (int Count, string Name) Pair((long, double) input, Tuple<int, string> legacy) => (1, "");

                        [RunInWorkerProcess]
                        public static Report Summarize(Report report) => report;

                        [RunInWorkerProcess]
                        public static Task FlushAsync() => Task.CompletedTask;

                        [RunInWorkerProcess]
                        public static async Task<Report> BuildAsync(string title, CancellationToken cancellationToken)
                        {
                            await Task.Delay(1, cancellationToken);
                            return new Report { Title = title };
                        }

                        [RunInWorkerProcess]
                        public static ValueTask PingAsync(CancellationToken cancellationToken) => default;

                        [RunInWorkerProcess]
                        public static ValueTask<Guid?> FindAsync(DateTime since, TimeSpan window) => new((Guid?)null);
                    }
                }
            }
            """;

        Assert.Empty(await RunAsync(source));
    }

    [Fact]
    public async Task SeveralProblems_AreAllReportedInSourceOrder()
    {
        var source = Usings + """
            public class Calc
            {
                [RunInWorkerProcess]
                public object Run(ref int x, Span<int> span, CancellationToken a, CancellationToken b) => x;
            }
            """;

        var diagnostics = await RunAsync(source);

        Assert.Equal(["OFFLOAD0002", "OFFLOAD0006", "OFFLOAD0001", "OFFLOAD0004", "OFFLOAD0005", "OFFLOAD0011"], Ids(diagnostics));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AttributeOfTheSameNameFromElsewhere_IsIgnored(bool referenceOffload)
    {
        // With or without Offload referenced, an attribute that merely shares the name is not Offload's.
        var source = """
            namespace Other
            {
                public sealed class RunInWorkerProcessAttribute : System.Attribute
                {
                }

                public class Calc
                {
                    [RunInWorkerProcess]
                    public int Square(int x) => x * x;
                }
            }
            """;

        Assert.Empty(await AnalyzerRunner.RunAsync(source, referenceOffload));
    }

    // ---------------------------------------------------------------- MethodValidator.IsValid and the descriptors

    [Fact]
    public void IsValid_IsFalseForAnInvalidMethodAndTrueForAValidOne()
    {
        var compilation = AnalyzerRunner.CreateCompilation(Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess]
                public static int Square(int x) => x * x;

                [RunInWorkerProcess]
                public static int Slice(Span<int> values) => values.Length;
            }
            """);
        var calc = compilation.GetTypeByMetadataName("Calc")!;

        var valid = (IMethodSymbol)Assert.Single(calc.GetMembers("Square"));
        var invalid = (IMethodSymbol)Assert.Single(calc.GetMembers("Slice"));

        Assert.True(MethodValidator.IsValid(valid, CancellationToken.None));
        Assert.False(MethodValidator.IsValid(invalid, CancellationToken.None));
    }

    [Fact]
    public void IsValid_IgnoresWarningsButNotErrors()
    {
        var compilation = AnalyzerRunner.CreateCompilation(Usings + """
            public static partial class Calc
            {
                [RunInWorkerProcess(RetryOnException = true)]
                public static int Warned(int x) => x;

                [RunInWorkerProcess(MaxRetries = 101)]
                public static int Invalid(int x) => x;
            }
            """);
        var calc = compilation.GetTypeByMetadataName("Calc")!;

        // OFFLOAD0014 is a warning: the method is still worth generating. OFFLOAD0013 is an error: it is not.
        Assert.True(MethodValidator.IsValid((IMethodSymbol)Assert.Single(calc.GetMembers("Warned")), CancellationToken.None));
        Assert.False(MethodValidator.IsValid((IMethodSymbol)Assert.Single(calc.GetMembers("Invalid")), CancellationToken.None));
    }

    [Fact]
    public void InitializerIsValid_IsFalseForAnInvalidInitializerAndTrueForAValidOne()
    {
        var compilation = AnalyzerRunner.CreateCompilation(Usings + """
            public static class Setup
            {
                [WorkerInitializer]
                public static Task LoadAsync() => Task.CompletedTask;

                [WorkerInitializer]
                public static void Configure(string path)
                {
                }
            }
            """);
        var setup = compilation.GetTypeByMetadataName("Setup")!;

        Assert.True(InitializerValidator.IsValid((IMethodSymbol)Assert.Single(setup.GetMembers("LoadAsync")), CancellationToken.None));
        Assert.False(InitializerValidator.IsValid((IMethodSymbol)Assert.Single(setup.GetMembers("Configure")), CancellationToken.None));
    }

    [Fact]
    public void Descriptors_AreNumberedErrorsWithHelpLinks()
    {
        var descriptors = new OffloadAnalyzer().SupportedDiagnostics;

        // OFFLOAD0006 has a second message, for types nobody can mark [MemoryPackable], under the same id and title.
        Assert.Equal(
            Enumerable.Range(1, 20).Select(i => $"OFFLOAD{i:0000}"),
            descriptors.Select(descriptor => descriptor.Id).Distinct());
        Assert.Equal(21, descriptors.Length);
        Assert.Equal(
            [DiagnosticDescriptors.NotSerializable, DiagnosticDescriptors.NotSerializableUnmarkable],
            descriptors.Where(descriptor => descriptor.Id == "OFFLOAD0006"));
        Assert.Equal(DiagnosticDescriptors.NotSerializable.Title, DiagnosticDescriptors.NotSerializableUnmarkable.Title);
        Assert.All(descriptors, descriptor =>
        {
            Assert.Equal("Offload", descriptor.Category);
            // OFFLOAD0014 describes a setting that does nothing; everything else stops the method from being generated.
            Assert.Equal(descriptor.Id == "OFFLOAD0014" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, descriptor.DefaultSeverity);
            Assert.True(descriptor.IsEnabledByDefault);
            Assert.Equal(
                "https://github.com/offload-dotnet/offload/blob/main/docs/diagnostics.md#" + descriptor.Id.ToLowerInvariant(),
                descriptor.HelpLinkUri);
        });
        Assert.Same(DiagnosticDescriptors.MethodMustBeStatic, descriptors[0]);
    }

    // ---------------------------------------------------------------- helpers

    private static Task<ImmutableArray<Diagnostic>> RunAsync(string source) => AnalyzerRunner.RunAsync(source);

    private static string[] Ids(ImmutableArray<Diagnostic> diagnostics) => [.. diagnostics.Select(diagnostic => diagnostic.Id)];

    /// <summary>
    /// Asserts that <paramref name="diagnostic"/> covers exactly the first occurrence of <paramref name="text"/> as a
    /// whole word (after <paramref name="after"/>, when given) in <paramref name="source"/>.
    /// </summary>
    private static void AssertAt(Diagnostic diagnostic, string source, string text, string? after = null)
    {
        var start = after is null ? 0 : source.IndexOf(after, StringComparison.Ordinal) + after.Length;
        var index = start;
        while (true)
        {
            index = source.IndexOf(text, index, StringComparison.Ordinal);
            Assert.True(index >= 0, $"'{text}' does not occur in the test source.");
            var wordBefore = index > 0 && IsWordChar(source[index - 1]) && IsWordChar(text[0]);
            var end = index + text.Length;
            var wordAfter = end < source.Length && IsWordChar(source[end]) && IsWordChar(text[^1]);
            if (!wordBefore && !wordAfter)
            {
                break;
            }

            index++;
        }

        Assert.Equal(text, AnalyzerRunner.GetSpanText(diagnostic.Location));
        Assert.Equal(index, diagnostic.Location.SourceSpan.Start);
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
