using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Offload.Generator.Emit;
using Offload.Generator.Model;

namespace Offload.Generator;

public sealed partial class OffloadGenerator
{
    /// <summary>Writes the generated C# for the models.</summary>
    internal static class Emitter
    {
        public const string DispatcherHintName = "OffloadDispatcher.g.cs";

        private const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"Offload.Generator\", \"0.1.0\")]";
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
            WriteInvoker(writer, model);
            writer.Line();
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
                writer.Line($"writer.WriteValue(Arg{i});");
            }

            writer.CloseBlock();
            writer.Line();
            writer.Line("public void Read(ref global::MemoryPack.MemoryPackReader reader)").OpenBlock();
            for (var i = 0; i < sent.Length; i++)
            {
                writer.Line($"Arg{i} = reader.ReadValue<{sent[i].Type}>()!;");
            }

            writer.CloseBlock();
            writer.CloseBlock();
        }

        private static bool HasResult(ReturnKind kind) => kind is ReturnKind.Value or ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT;

        private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
    }
}
