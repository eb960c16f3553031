using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Offload.Generator.Model;
using Offload.Generator.Validation;

namespace Offload.Generator;

/// <summary>
/// Generates, for every valid <c>[RunInWorkerProcess]</c> method, async companions that run it in a worker process,
/// the MemoryPack stubs for its arguments and result, and one dispatcher per assembly that workers use to run it.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class OffloadGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Find the methods that carry the attribute and turn each valid one into a value-equatable model.
        //    Invalid methods become null here and are dropped: the analyzer reports them.
        var methods = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TypeShapes.AttributeMetadataName,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Parse)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Methods);

        // 2. One file per method: the async companions, the arguments struct and the worker-side invoker.
        context.RegisterSourceOutput(methods, static (output, model) => output.AddSource(model.HintName, Emitter.EmitMethod(model)));

        // 3. Reduce each method to its dispatch entry, so that edits inside a method body do not rebuild the dispatcher.
        var entries = methods
            .Select(static (model, _) => new DispatchEntry(model.MethodIdLiteral, model.ContainingTypeFullName + "." + model.InvokerName))
            .WithTrackingName(TrackingNames.DispatchEntries);

        // 4. Gather all entries in a stable (ordinal) order into the assembly's dispatcher model.
        var dispatcher = entries
            .Collect()
            .Select(static (all, _) => new DispatcherModel(new EquatableArray<DispatchEntry>(
                all.OrderBy(static e => e.MethodIdLiteral, StringComparer.Ordinal).ThenBy(static e => e.InvokerPath, StringComparer.Ordinal))))
            .WithTrackingName(TrackingNames.Dispatcher);

        // 5. Emit the dispatcher (a switch on the method id) and the assembly attribute that names it.
        context.RegisterSourceOutput(dispatcher, static (output, model) =>
        {
            if (model.Entries.Count > 0)
            {
                output.AddSource(Emitter.DispatcherHintName, Emitter.EmitDispatcher(model));
            }
        });
    }
}
