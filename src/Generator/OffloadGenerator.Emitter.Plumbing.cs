using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Offload.Generator.Emit;
using Offload.Generator.Model;
using Offload.Generator.Validation;

namespace Offload.Generator;

public sealed partial class OffloadGenerator
{
    /// <summary>
    /// The plumbing: each containing type's hidden nested class (<see cref="CompanionNames.PlumbingClass"/>) with every
    /// method's descriptors, worker-side invokers, formatter registration and arguments struct, which the companions
    /// and the dispatcher use and the user never needs to see.
    /// </summary>
    internal static partial class Emitter
    {
        /// <summary>
        /// The file that declares a containing type's hidden class with its attributes, once: attributes such as
        /// <c>GeneratedCode</c> may appear on one partial declaration only, and each method's file adds its members.
        /// </summary>
        public static string EmitPlumbingClass(PlumbingClassModel model)
        {
            var writer = new SourceWriter();
            WriteHeader(writer);
            OpenContainingTypes(writer, model.Namespace, model.ContainingTypes);
            writer.Line("/// <summary>Offload's generated plumbing for this type's <c>[RunInWorkerProcess]</c> methods: descriptors, worker-side invokers, arguments.</summary>");
            writer.Line(GeneratedCode);
            writer.Line(Hidden);
            OpenPlumbingClass(writer);
            writer.CloseBlock();
            CloseContainingTypes(writer, model.Namespace, model.ContainingTypes);
            return writer.ToString();
        }

        /// <summary>
        /// Opens a partial declaration of the hidden class. Static, which any kind of containing type the analyzer
        /// accepts (class, static class, struct, ref struct, record, record struct) may nest. A base type with Offload
        /// methods has a hidden class of the same name, which this one hides (CS0108): harmless, since generated code
        /// names each through its own type; and no <c>new</c> can be written, as the generator does not see the base's
        /// (it may be in another assembly, or invalid and so without one), and <c>new</c> hiding nothing warns too.
        /// </summary>
        private static void OpenPlumbingClass(SourceWriter writer)
        {
            writer.Line("#pragma warning disable CS0108 // Hides the hidden class of a base type with Offload methods, as intended.");
            writer.Line($"internal static partial class {CompanionNames.PlumbingClass}");
            writer.Line("#pragma warning restore CS0108");
            writer.OpenBlock();
        }

        /// <summary>The members one method adds to the hidden class.</summary>
        private static void WritePlumbing(SourceWriter writer, MethodModel model)
        {
            WriteDescriptor(writer, model);
            writer.Line();
            WriteInvoker(writer, model);
            if (model.HasMap)
            {
                writer.Line();
                WriteBatchInvoker(writer, model);
            }

            if (model.FormatterRegistrations.Count > 0)
            {
                writer.Line();
                WriteFormatterRegistration(writer, model);
            }

            if (!model.ArgumentsInContainingType)
            {
                writer.Line();
                WriteArguments(writer, model);
            }
        }

        /// <summary>
        /// Registers the MemoryPack formatters the method's parameter and result types need, which MemoryPack would
        /// otherwise find by reflection the first time a type is read (impossible in NativeAOT for a type the process
        /// has not used yet). Nested in the containing type, so that it can name private nested types; the method's
        /// descriptor (in the process that sends calls) and the dispatcher (in a worker) call it.
        /// </summary>
        private static void WriteFormatterRegistration(SourceWriter writer, MethodModel model)
        {
            writer.Line("/// <summary>Registers the MemoryPack formatters of this method's parameter and result types; called through its descriptor and the generated dispatcher.</summary>");
            writer.Line($"internal static void {model.RegisterFormattersName}()").OpenBlock();
            foreach (var statement in model.FormatterRegistrations)
            {
                writer.Line(statement);
            }

            writer.CloseBlock();
        }

        private static void WriteDescriptor(SourceWriter writer, MethodModel model)
        {
            writer.Line("/// <summary>The method's descriptor: what the pool sends a call by, with the attribute's settings.</summary>");
            writer.Line($"internal static readonly global::Offload.CompilerServices.MethodDescriptor {model.DescriptorFieldName} =");
            // A method whose signature needs formatters registered has them registered with its descriptor: when its
            // companions are first used, in the process that sends calls and reads results.
            var register = model.FormatterRegistrations.Count > 0 ? ", " + model.RegisterFormattersName : "";
            writer.Line($"    new(typeof({model.ContainingTypeFullName}), {model.MethodIdLiteral}, \"{model.DisplayName}\"{register}){DescriptorSettings(model)};");
            if (model.HasMap)
            {
                // A map chunk is a call of its own id, with the method's retry and timeout settings (a timeout then
                // bounds a whole chunk; automatic chunk sizing keeps chunks well below it).
                writer.Line();
                writer.Line("/// <summary>The descriptor of the method's map chunks.</summary>");
                writer.Line($"internal static readonly global::Offload.CompilerServices.MethodDescriptor {model.BatchDescriptorFieldName} =");
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

        /// <summary>
        /// The batch invoker: runs a map chunk by handing the runtime a lambda that calls the method for one item's
        /// arguments (binding its CancellationToken to the chunk's), wrapping a Task in a ValueTask. The lambda is static,
        /// unless the method takes loggers: those are made once per chunk, before it, and the lambda captures them, so a
        /// chunk allocates one closure and its items nothing.
        /// </summary>
        private static void WriteBatchInvoker(SourceWriter writer, MethodModel model)
        {
            var index = 0;
            var loggers = 0;
            var arguments = string.Join(", ", model.Parameters.Select(p => p.Kind switch
            {
                ParameterKind.CancellationToken => "cancellationToken",
                ParameterKind.Logger => "logger" + (loggers++).ToString(CultureInfo.InvariantCulture),
                _ => $"arguments.Arg{index++}",
            }));
            var call = $"{model.MethodName}({arguments})";
            var lambda = loggers == 0 ? "static (arguments, cancellationToken) => " : "(arguments, cancellationToken) => ";
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
            writer.Line($"internal static {ValueTask} {model.BatchInvokerName}(global::Offload.CompilerServices.Invocation invocation)");
            if (loggers == 0)
            {
                writer.Line($"    => invocation.{run};");
                return;
            }

            writer.OpenBlock();
            var logger = 0;
            foreach (var parameter in model.Parameters.Where(static p => p.Kind == ParameterKind.Logger))
            {
                writer.Line($"var logger{(logger++).ToString(CultureInfo.InvariantCulture)} = {BindLogger(model, parameter)};");
            }

            writer.Line($"return invocation.{run};");
            writer.CloseBlock();
        }

        private static void WriteInvoker(SourceWriter writer, MethodModel model)
        {
            var index = 0;
            var arguments = string.Join(", ", model.Parameters.Select(p => p.Kind switch
            {
                ParameterKind.CancellationToken => "invocation.CancellationToken",
                ParameterKind.Progress => $"invocation.GetProgress<{p.TypeArgument}>()",
                ParameterKind.Logger => BindLogger(model, p),
                _ => $"arguments.Arg{index++}",
            }));
            var call = $"{model.MethodName}({arguments})";

            writer.Line("/// <summary>Runs one call in a worker; called by the generated dispatcher.</summary>");
            writer.Line($"internal static {ValueTask} {model.InvokerName}(global::Offload.CompilerServices.Invocation invocation)").OpenBlock();
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
                case ReturnKind.Stream:
                    writer.Line($"return invocation.ReturnStream<{model.ResultType}>({call});");
                    break;
                default:
                    writer.Line($"return invocation.ReturnValueTask<{model.ResultType}>({call});");
                    break;
            }

            writer.CloseBlock();
        }

        /// <summary>
        /// The worker's logger for an <c>ILogger&lt;T&gt;</c> parameter, or for a plain <c>ILogger</c> one named after the
        /// containing type, as ASP.NET Core names an <c>ILogger&lt;T&gt;</c>'s category.
        /// </summary>
        private static string BindLogger(MethodModel model, ParameterModel parameter) =>
            parameter.TypeArgument is { } category
                ? $"invocation.GetLogger<{category}>()"
                : $"invocation.GetLogger(\"{model.LoggerCategory}\")";

        /// <summary>
        /// The arguments struct: one field per sent argument, written and read in parameter order; primitives as raw
        /// bytes (<see cref="TypeShapes.IsPrimitive"/>), everything else through MemoryPack's formatters. Internal in
        /// the hidden class, or private in the containing type when <see cref="MethodModel.ArgumentsInContainingType"/>
        /// (where it carries the attributes the hidden class carries for the others).
        /// </summary>
        private static void WriteArguments(SourceWriter writer, MethodModel model)
        {
            var sent = model.Parameters.Where(static p => p.IsSent).ToArray();
            writer.Line("/// <summary>The arguments of one call, written and read with MemoryPack in parameter order.</summary>");
            if (model.ArgumentsInContainingType)
            {
                writer.Line(GeneratedCode);
                writer.Line(Hidden);
            }

            writer.Line($"{(model.ArgumentsInContainingType ? "private" : "internal")} struct {model.ArgumentsTypeName} : global::Offload.CompilerServices.IOffloadArguments").OpenBlock();
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
    }
}
