using System.Linq;
using Offload.Generator.Emit;
using Offload.Generator.Model;

namespace Offload.Generator;

public sealed partial class OffloadGenerator
{
    /// <summary>The per-assembly dispatcher: the method switch, the initializers, the formatter registrations and the worker entry.</summary>
    internal static partial class Emitter
    {
        public const string DispatcherHintName = "OffloadDispatcher.g.cs";

        public static string EmitDispatcher(DispatcherModel model)
        {
            var writer = new SourceWriter();
            WriteHeader(writer);
            writer.Line("[assembly: global::Offload.CompilerServices.OffloadDispatcherAttribute(typeof(global::Offload.Generated.OffloadDispatcher))]");
            writer.Line();
            writer.Line("namespace Offload.Generated").OpenBlock();
            writer.Line("/// <summary>Runs this assembly's <c>[RunInWorkerProcess]</c> methods in a worker, by method id.</summary>");
            writer.Line(GeneratedCode);
            writer.Line(Hidden);
            writer.Line("internal sealed class OffloadDispatcher : global::Offload.CompilerServices.IOffloadDispatcher").OpenBlock();
            writer.Line("private static readonly ulong[] s_methodIds =").OpenBlock();
            foreach (var entry in model.Entries)
            {
                writer.Line(entry.MethodIdLiteral + ",");
            }

            writer.CloseBlock(";");
            var registers = model.FormatterRegistrations.Count > 0;
            if (registers)
            {
                // A worker creates the dispatcher before it reads any argument: in a NativeAOT worker whose entry ran
                // before this assembly's module initializer, this is where the formatters get registered (in a worker
                // still setting up MemoryPack, right after that).
                writer.Line();
                writer.Line("static OffloadDispatcher() => global::Offload.CompilerServices.WorkerEntryPoint.RegisterFormatters(RegisterFormatters);");
            }

            writer.Line();
            writer.Line("/// <inheritdoc />");
            writer.Line("public global::System.Collections.Generic.IReadOnlyList<ulong> MethodIds => s_methodIds;");
            writer.Line();
            writer.Line("/// <inheritdoc />");
            writer.Line($"public {ValueTask} InvokeAsync(global::Offload.CompilerServices.Invocation invocation)").OpenBlock();
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

            if (registers)
            {
                writer.Line();
                writer.Line("/// <summary>Registers the MemoryPack formatters of every type in this assembly's <c>[RunInWorkerProcess]</c> signatures.</summary>");
                writer.Line("internal static void RegisterFormatters()").OpenBlock();
                foreach (var registration in model.FormatterRegistrations)
                {
                    writer.Line(registration + "();");
                }

                writer.CloseBlock();
            }

            // A NativeAOT app has no startup hooks but runs every module initializer before Main: this is how its
            // workers take over before the app's own code runs. Anywhere else it returns at once, having registered
            // the formatters the parent reads results with.
            writer.Line();
            writer.Line("/// <summary>Turns this process into a worker before <c>Main</c> when a pool started it as one (NativeAOT apps); does nothing otherwise.</summary>");
            writer.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
            writer.Line(registers
                ? "internal static void EnterWorkerIfStartedAsOne() => global::Offload.CompilerServices.WorkerEntryPoint.OnModuleInitializer(RegisterFormatters);"
                : "internal static void EnterWorkerIfStartedAsOne() => global::Offload.CompilerServices.WorkerEntryPoint.OnModuleInitializer();");

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
    }
}
