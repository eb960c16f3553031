using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Offload.Generator.Emit;
using Offload.Generator.Model;
using Offload.Generator.Validation;

namespace Offload.Generator;

public sealed partial class OffloadGenerator
{
    /// <summary>Writes the generated C# for the models.</summary>
    internal static class Emitter
    {
        public const string DispatcherHintName = "OffloadDispatcher.g.cs";

        private const string GeneratedCode = GeneratedText.GeneratedCode;
        private const string Hidden = "[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]";
        private const string Task = "global::System.Threading.Tasks.Task";
        private const string ValueTask = "global::System.Threading.Tasks.ValueTask";
        private const string CancellationToken = "global::System.Threading.CancellationToken";

        public static string EmitMethod(MethodModel model)
        {
            var writer = new SourceWriter();
            WriteHeader(writer);
            if (model.Namespace is not null)
            {
                writer.Line($"namespace {model.Namespace}").OpenBlock();
            }

            foreach (var type in model.ContainingTypes)
            {
                writer.Line($"{(type.IsStatic ? "static " : "")}partial {type.Keyword} {type.Name}").OpenBlock();
            }

            WriteDescriptor(writer, model);
            writer.Line();
            WriteCompanions(writer, model);
            writer.Line();
            if (model.HasMap)
            {
                WriteMapCompanions(writer, model);
                writer.Line();
            }

            WriteInvoker(writer, model);
            writer.Line();
            if (model.HasMap)
            {
                WriteBatchInvoker(writer, model);
                writer.Line();
            }

            WriteArguments(writer, model);

            foreach (var _ in model.ContainingTypes)
            {
                writer.CloseBlock();
            }

            if (model.Namespace is not null)
            {
                writer.CloseBlock();
            }

            return writer.ToString();
        }

        public static string EmitDispatcher(DispatcherModel model)
        {
            var writer = new SourceWriter();
            WriteHeader(writer);
            writer.Line("[assembly: global::Offload.Dispatch.OffloadDispatcherAttribute(typeof(global::Offload.Generated.OffloadDispatcher))]");
            writer.Line();
            writer.Line("namespace Offload.Generated").OpenBlock();
            writer.Line("/// <summary>Runs this assembly's <c>[RunInWorkerProcess]</c> methods in a worker, by method id.</summary>");
            writer.Line(GeneratedCode);
            writer.Line(Hidden);
            writer.Line("internal sealed class OffloadDispatcher : global::Offload.Dispatch.IOffloadDispatcher").OpenBlock();
            writer.Line("private static readonly ulong[] s_methodIds =").OpenBlock();
            foreach (var entry in model.Entries)
            {
                writer.Line(entry.MethodIdLiteral + ",");
            }

            writer.CloseBlock(";");
            writer.Line();
            writer.Line("/// <inheritdoc />");
            writer.Line("public global::System.Collections.Generic.IReadOnlyList<ulong> MethodIds => s_methodIds;");
            writer.Line();
            writer.Line("/// <inheritdoc />");
            writer.Line($"public {ValueTask} InvokeAsync(global::Offload.Dispatch.Invocation invocation)").OpenBlock();
            writer.Line("switch (invocation.MethodId)").OpenBlock();
            foreach (var entry in model.Entries)
            {
                writer.Line($"case {entry.MethodIdLiteral}:");
                writer.Line($"    return {entry.InvokerPath}(invocation);");
            }

            writer.Line("default:");
            writer.Line("    throw new global::System.InvalidOperationException(\"Unknown method id 0x\" + invocation.MethodId.ToString(\"x16\") + \".\");");
            writer.CloseBlock();
            writer.CloseBlock();

            // Without initializers the interface's default (nothing to do) stands, and the dispatcher stays as it was.
            if (model.Initializers.Count > 0)
            {
                writer.Line();
                WriteInitialize(writer, model.Initializers);
            }

            writer.CloseBlock();
            writer.CloseBlock();
            return writer.ToString();
        }

        /// <summary>
        /// <c>InitializeAsync</c>: the initializers' calls, in the model's order, each awaited before the next. With
        /// nothing to await it is not <c>async</c>, which would only earn CS1998; an initializer that throws then
        /// throws from the call rather than through the task, and the worker, which awaits it in a try, sees the same.
        /// </summary>
        private static void WriteInitialize(SourceWriter writer, EquatableArray<InitializerModel> initializers)
        {
            var awaits = initializers.Any(static i => i.ReturnKind != ReturnKind.Void);
            writer.Line("/// <inheritdoc />");
            writer.Line($"public {(awaits ? "async " : "")}{ValueTask} InitializeAsync()").OpenBlock();
            foreach (var initializer in initializers)
            {
                var call = $"{initializer.ContainingTypeFullName}.{Parser.Escape(initializer.MethodName)}()";
                writer.Line(initializer.ReturnKind == ReturnKind.Void ? call + ";" : $"await {call}.ConfigureAwait(false);");
            }

            if (!awaits)
            {
                writer.Line("return default;");
            }

            writer.CloseBlock();
        }

        private static void WriteHeader(SourceWriter writer)
        {
            writer.Line("// <auto-generated/>");
            writer.Line("#nullable enable");
            writer.Line();
        }

        private static void WriteDescriptor(SourceWriter writer, MethodModel model)
        {
            writer.Line(GeneratedCode);
            writer.Line($"private static readonly global::Offload.Dispatch.MethodDescriptor {model.DescriptorFieldName} =");
            writer.Line($"    new(typeof({model.ContainingTypeFullName}), {model.MethodIdLiteral}, \"{model.DisplayName}\"){DescriptorSettings(model)};");
            if (model.HasMap)
            {
                // A map chunk is a call of its own id, with the method's retry and timeout settings (a timeout then
                // bounds a whole chunk; automatic chunk sizing keeps chunks well below it).
                writer.Line();
                writer.Line(GeneratedCode);
                writer.Line($"private static readonly global::Offload.Dispatch.MethodDescriptor {model.BatchDescriptorFieldName} =");
                writer.Line($"    new(typeof({model.ContainingTypeFullName}), {model.BatchMethodIdLiteral}, \"{model.DisplayName}\"){DescriptorSettings(model)};");
            }
        }

        /// <summary>
        /// The object initializer that carries the attribute's settings, or nothing when all are defaults: a method
        /// without settings keeps the descriptor it always had, and the runtime's defaults stay in one place.
        /// </summary>
        private static string DescriptorSettings(MethodModel model)
        {
            var settings = new List<string>();
            if (model.MaxRetries != 0)
            {
                settings.Add($"MaxRetries = {model.MaxRetries.ToString(CultureInfo.InvariantCulture)}");
            }

            if (model.RetryOnException)
            {
                settings.Add("RetryOnException = true");
            }

            if (model.TimeoutMilliseconds != 0)
            {
                settings.Add($"Timeout = global::System.TimeSpan.FromMilliseconds({model.TimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)})");
            }

            return settings.Count == 0 ? "" : " { " + string.Join(", ", settings) + " }";
        }

        private static void WriteCompanions(SourceWriter writer, MethodModel model)
        {
            var returnType = HasResult(model.ReturnKind) ? $"{Task}<{model.ResultType}>" : Task;
            var sent = model.Parameters.Where(static p => !p.IsCancellationToken).ToArray();
            var declared = string.Concat(sent.Select(static p => $"{p.Type} {p.Name}, "));
            var passed = string.Concat(sent.Select(static p => p.Name + ", "));
            var token = model.TokenParameterName;
            var pool = model.PoolParameterName;
            WriteCompanionDocs(writer, model, sent, "<see cref=\"global::Offload.WorkerPool.Shared\"/>", poolParameter: null);
            writer.Line($"{model.Accessibility} static {returnType} {model.CompanionName}({declared}{CancellationToken} {token} = default)");
            writer.Line($"    => {model.CompanionName}(global::Offload.WorkerPool.Shared, {passed}{token});");
            writer.Line();

            var typeArguments = HasResult(model.ReturnKind) ? $"{model.ArgumentsTypeName}, {model.ResultType}" : model.ArgumentsTypeName;
            WriteCompanionDocs(writer, model, sent, $"<paramref name=\"{pool}\"/>", poolParameter: pool);
            writer.Line($"{model.Accessibility} static {returnType} {model.CompanionName}(global::Offload.WorkerPool {pool}, {declared}{CancellationToken} {token} = default)");
            writer.Line($"    => global::Offload.Dispatch.OffloadCalls.InvokeAsync<{typeArguments}>({pool}, {model.DescriptorFieldName}, new {model.ArgumentsTypeName}({passed.TrimEnd(',', ' ')}), {token});");
        }

        /// <summary>The XML docs and attribute of one companion; <paramref name="poolParameter"/> is null for the shared-pool one.</summary>
        private static void WriteCompanionDocs(SourceWriter writer, MethodModel model, ParameterModel[] sent, string poolText, string? poolParameter)
        {
            writer.Line($"/// <summary>Runs <c>{Xml(model.DisplayName)}</c> in a worker process of {poolText}.</summary>");
            if (poolParameter is not null)
            {
                writer.Line($"/// <param name=\"{poolParameter}\">The pool whose workers run the call.</param>");
            }

            WriteParameterDocs(writer, sent);
            writer.Line($"/// <param name=\"{model.TokenParameterName}\">Cancels the call: a queued call never runs; a running one sees its token fire.</param>");
            writer.Line(HasResult(model.ReturnKind)
                ? "/// <returns>A task that completes with the method's result, or fails with the exception it threw in the worker (<see cref=\"global::Offload.RemoteInvocationException\"/>) or with the worker's death (<see cref=\"global::Offload.WorkerCrashedException\"/>).</returns>"
                : "/// <returns>A task that completes when the method has run, or fails with the exception it threw in the worker (<see cref=\"global::Offload.RemoteInvocationException\"/>) or with the worker's death (<see cref=\"global::Offload.WorkerCrashedException\"/>).</returns>");
            writer.Line(GeneratedCode);
        }

        private static void WriteParameterDocs(SourceWriter writer, ParameterModel[] parameters)
        {
            foreach (var parameter in parameters)
            {
                var name = parameter.Name.TrimStart('@');
                writer.Line($"/// <param name=\"{name}\">The method's <c>{name}</c> argument, sent to the worker.</param>");
            }
        }

        /// <summary>
        /// The map companions: <c>{Base}MapAsync</c> and <c>{Base}MapUnorderedAsync</c> for a method with a result,
        /// <c>{Base}ForEachAsync</c> for one without; each over an <c>IEnumerable</c> or an <c>IAsyncEnumerable</c> of
        /// the method's arguments (the argument itself for one parameter, a tuple in parameter order for several), on
        /// the shared pool or a given one.
        /// </summary>
        private static void WriteMapCompanions(SourceWriter writer, MethodModel model)
        {
            var sent = model.Parameters.Where(static p => !p.IsCancellationToken).ToArray();
            var itemType = sent.Length == 1 ? sent[0].Type : "(" + string.Join(", ", sent.Select(TupleElement)) + ")";
            var toArguments = sent.Length == 1
                ? $"static item => new {model.ArgumentsTypeName}(item)"
                : $"static item => new {model.ArgumentsTypeName}({string.Join(", ", sent.Select(static (_, i) => "item.Item" + (i + 1).ToString(CultureInfo.InvariantCulture)))})";
            var sourceDoc = sent.Length == 1
                ? $"/// <param name=\"source\">The method's <c>{sent[0].Name.TrimStart('@')}</c> argument for each call, read lazily as chunks are sent.</param>"
                : "/// <param name=\"source\">The method's arguments for each call, as a tuple in parameter order, read lazily as chunks are sent.</param>";
            var map = new MapFamily(model, itemType, toArguments, sourceDoc);
            if (HasResult(model.ReturnKind))
            {
                map.Write(
                    writer,
                    model.MapBaseName + "MapAsync",
                    "MapAsync",
                    $"global::System.Collections.Generic.IAsyncEnumerable<{model.ResultType}>",
                    $"{itemType}, {model.ArgumentsTypeName}, {model.ResultType}",
                    "in chunks, and yields the results in input order",
                    "/// <returns>The results, in input order. Enumerating fails with <see cref=\"global::Offload.MapItemException\"/> when an item throws (after yielding the results of every item before it), or with what ended a chunk, such as <see cref=\"global::Offload.WorkerCrashedException\"/>.</returns>");
                writer.Line();
                map.Write(
                    writer,
                    model.MapBaseName + "MapUnorderedAsync",
                    "MapUnorderedAsync",
                    $"global::System.Collections.Generic.IAsyncEnumerable<global::Offload.MapResult<{model.ResultType}>>",
                    $"{itemType}, {model.ArgumentsTypeName}, {model.ResultType}",
                    "in chunks, and yields each result with its input position as soon as its chunk completes",
                    "/// <returns>The results with their input positions, as chunks complete. Enumerating fails with <see cref=\"global::Offload.MapItemException\"/> when an item throws, or with what ended a chunk, such as <see cref=\"global::Offload.WorkerCrashedException\"/>.</returns>");
            }
            else
            {
                map.Write(
                    writer,
                    model.MapBaseName + "ForEachAsync",
                    "ForEachAsync",
                    Task,
                    $"{itemType}, {model.ArgumentsTypeName}",
                    "in chunks",
                    "/// <returns>A task that completes once every item has run, or fails with <see cref=\"global::Offload.MapItemException\"/> when an item throws, or with what ended a chunk, such as <see cref=\"global::Offload.WorkerCrashedException\"/>.</returns>");
            }
        }

        /// <summary>
        /// One element of a map companion's tuple: the parameter's type, named after the parameter where C# allows that
        /// name in a tuple (not <c>Rest</c>, <c>ToString</c> and the like, nor <c>ItemN</c> in another position).
        /// </summary>
        private static string TupleElement(ParameterModel parameter, int index)
        {
            var name = parameter.Name.TrimStart('@');
            var reserved = name is "CompareTo" or "Deconstruct" or "Equals" or "GetHashCode" or "Rest" or "ToString" or "_"
                || (name.StartsWith("Item", StringComparison.Ordinal) && name != "Item" + (index + 1).ToString(CultureInfo.InvariantCulture) && name.Substring(4).All(char.IsDigit) && name.Length > 4);
            return reserved ? parameter.Type : parameter.Type + " " + parameter.Name;
        }

        /// <summary>
        /// The batch invoker: runs a map chunk by handing the runtime a static lambda that calls the method for one
        /// item's arguments (binding its CancellationToken to the chunk's), wrapping a Task in a ValueTask.
        /// </summary>
        private static void WriteBatchInvoker(SourceWriter writer, MethodModel model)
        {
            var index = 0;
            var arguments = string.Join(", ", model.Parameters.Select(p => p.IsCancellationToken ? "cancellationToken" : $"arguments.Arg{index++}"));
            var call = $"{model.MethodName}({arguments})";
            var lambda = "static (arguments, cancellationToken) => ";
            var run = model.ReturnKind switch
            {
                ReturnKind.Void => $"RunBatch<{model.ArgumentsTypeName}>({lambda}{call})",
                ReturnKind.Value => $"RunBatch<{model.ArgumentsTypeName}, {model.ResultType}>({lambda}{call})",
                ReturnKind.Task => $"RunBatchAsync<{model.ArgumentsTypeName}>({lambda}new {ValueTask}({call}))",
                ReturnKind.TaskOfT => $"RunBatchAsync<{model.ArgumentsTypeName}, {model.ResultType}>({lambda}new {ValueTask}<{model.ResultType}>({call}))",
                ReturnKind.ValueTask => $"RunBatchAsync<{model.ArgumentsTypeName}>({lambda}{call})",
                _ => $"RunBatchAsync<{model.ArgumentsTypeName}, {model.ResultType}>({lambda}{call})",
            };

            writer.Line("/// <summary>Runs one map chunk in a worker, item by item; called by the generated dispatcher.</summary>");
            writer.Line(GeneratedCode);
            writer.Line(Hidden);
            writer.Line($"internal static {ValueTask} {model.BatchInvokerName}(global::Offload.Dispatch.Invocation invocation)");
            writer.Line($"    => invocation.{run};");
        }

        private static void WriteInvoker(SourceWriter writer, MethodModel model)
        {
            var index = 0;
            var arguments = string.Join(", ", model.Parameters.Select(p => p.IsCancellationToken ? "invocation.CancellationToken" : $"arguments.Arg{index++}"));
            var call = $"{model.MethodName}({arguments})";

            writer.Line("/// <summary>Runs one call in a worker; called by the generated dispatcher.</summary>");
            writer.Line(GeneratedCode);
            writer.Line(Hidden);
            writer.Line($"internal static {ValueTask} {model.InvokerName}(global::Offload.Dispatch.Invocation invocation)").OpenBlock();
            writer.Line($"var arguments = invocation.ReadArguments<{model.ArgumentsTypeName}>();");
            switch (model.ReturnKind)
            {
                case ReturnKind.Void:
                    writer.Line(call + ";");
                    writer.Line("return invocation.ReturnVoid();");
                    break;
                case ReturnKind.Value:
                    writer.Line($"return invocation.Return<{model.ResultType}>({call});");
                    break;
                case ReturnKind.Task:
                    writer.Line($"return invocation.ReturnTask({call});");
                    break;
                case ReturnKind.TaskOfT:
                    writer.Line($"return invocation.ReturnTask<{model.ResultType}>({call});");
                    break;
                case ReturnKind.ValueTask:
                    writer.Line($"return invocation.ReturnValueTask({call});");
                    break;
                default:
                    writer.Line($"return invocation.ReturnValueTask<{model.ResultType}>({call});");
                    break;
            }

            writer.CloseBlock();
        }

        /// <summary>
        /// The arguments struct: one field per sent argument, written and read in parameter order; primitives as raw
        /// bytes (<see cref="TypeShapes.IsPrimitive"/>), everything else through MemoryPack's formatters.
        /// </summary>
        private static void WriteArguments(SourceWriter writer, MethodModel model)
        {
            var sent = model.Parameters.Where(static p => !p.IsCancellationToken).ToArray();
            writer.Line("/// <summary>The arguments of one call, written and read with MemoryPack in parameter order.</summary>");
            writer.Line(GeneratedCode);
            writer.Line(Hidden);
            writer.Line($"private struct {model.ArgumentsTypeName} : global::Offload.Dispatch.IOffloadArguments").OpenBlock();
            for (var i = 0; i < sent.Length; i++)
            {
                writer.Line($"public {sent[i].Type} Arg{i};");
            }

            if (sent.Length > 0)
            {
                writer.Line();
                writer.Line($"public {model.ArgumentsTypeName}({string.Join(", ", sent.Select((p, i) => $"{p.Type} arg{i}"))})").OpenBlock();
                for (var i = 0; i < sent.Length; i++)
                {
                    writer.Line($"Arg{i} = arg{i};");
                }

                writer.CloseBlock();
            }

            if (sent.Length > 0)
            {
                writer.Line();
            }

            writer.Line("public void Write<TBufferWriter>(ref global::MemoryPack.MemoryPackWriter<TBufferWriter> writer)");
            writer.Line("    where TBufferWriter : global::System.Buffers.IBufferWriter<byte>").OpenBlock();
            for (var i = 0; i < sent.Length; i++)
            {
                writer.Line(sent[i].IsPrimitive ? $"writer.WriteUnmanaged(Arg{i});" : $"writer.WriteValue(Arg{i});");
            }

            writer.CloseBlock();
            writer.Line();
            writer.Line("public void Read(ref global::MemoryPack.MemoryPackReader reader)").OpenBlock();
            for (var i = 0; i < sent.Length; i++)
            {
                writer.Line(sent[i].IsPrimitive ? $"Arg{i} = reader.ReadUnmanaged<{sent[i].Type}>();" : $"Arg{i} = reader.ReadValue<{sent[i].Type}>()!;");
            }

            writer.CloseBlock();
            writer.CloseBlock();
        }

        private static bool HasResult(ReturnKind kind) => TypeShapes.HasResult(kind);

        private static string Xml(string text) => GeneratedText.Xml(text);
    }
}
