using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Offload.Generator.Model;
using Offload.Generator.Validation;

namespace Offload.Generator;

/// <summary>
/// Generates, for every valid <c>[RunInWorkerProcess]</c> method, async companions that run it in a worker process,
/// the MemoryPack stubs for its arguments and result, and one dispatcher per assembly that workers use to run it and
/// to run the assembly's <c>[WorkerInitializer]</c> methods.
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

        // 2. One file per method: the async companions (and map companions), and its members of the hidden plumbing class
        //    (descriptors, the arguments struct, the worker-side invokers).
        context.RegisterSourceOutput(methods, static (output, model) => output.AddSource(model.HintName, Emitter.EmitMethod(model)));

        // 2b. One file per containing type: the declaration of its hidden plumbing class with the class's attributes,
        //     which only one of its partial declarations may carry. Collected, so that a type with several methods gets
        //     one; the models hold only the type's name and shape, so method edits leave these files cached.
        var plumbingClasses = methods
            .Select(static (model, _) => new PlumbingClassModel(model.Namespace, model.ContainingTypes, model.PlumbingHintName))
            .Collect()
            .SelectMany(static (all, _) => all.Distinct().OrderBy(static model => model.HintName, StringComparer.Ordinal))
            .WithTrackingName(TrackingNames.PlumbingClasses);
        context.RegisterSourceOutput(plumbingClasses, static (output, model) => output.AddSource(model.HintName, Emitter.EmitPlumbingClass(model)));

        // 3. Reduce each method to its dispatch entries (its invoker, and its batch invoker when it has map companions),
        //    so that edits inside a method body do not rebuild the dispatcher.
        var entries = methods
            .SelectMany(static (model, _) => model.HasMap
                ? new[]
                {
                    new DispatchEntry(model.MethodIdLiteral, model.PlumbingPath(model.InvokerName)),
                    new DispatchEntry(model.BatchMethodIdLiteral, model.PlumbingPath(model.BatchInvokerName)),
                }
                : new[] { new DispatchEntry(model.MethodIdLiteral, model.PlumbingPath(model.InvokerName)) })
            .WithTrackingName(TrackingNames.DispatchEntries);

        // 3b. Reduce each method whose signature needs formatters registered to the generated method that does it, for
        //     the dispatcher to call; a method that needs none adds nothing.
        var registrations = methods
            .Where(static model => model.FormatterRegistrations.Count > 0)
            .Select(static (model, _) => model.PlumbingPath(model.RegisterFormattersName))
            .WithTrackingName(TrackingNames.FormatterRegistrations);

        // 4. Find the [WorkerInitializer] methods the same way; invalid ones are dropped here and reported by the analyzer.
        //    Their models hold only what the dispatcher's call needs, so body edits stop at the first step too.
        var initializers = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TypeShapes.InitializerAttributeMetadataName,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (context, cancellationToken) => Parser.ParseInitializer(context, cancellationToken))
            .WithTrackingName(TrackingNames.ParseInitializer)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Initializers);

        // 5. Gather all entries and registrations in a stable (ordinal) order, and the initializers in the order they
        //    run (Order, then type and method name, as the attribute documents), into the assembly's dispatcher model.
        var dispatcher = entries
            .Collect()
            .Combine(initializers.Collect())
            .Combine(registrations.Collect())
            .Select(static (all, _) => new DispatcherModel(
                new EquatableArray<DispatchEntry>(
                    all.Left.Left.OrderBy(static e => e.MethodIdLiteral, StringComparer.Ordinal).ThenBy(static e => e.InvokerPath, StringComparer.Ordinal)),
                new EquatableArray<InitializerModel>(
                    all.Left.Right
                        .OrderBy(static i => i.Order)
                        .ThenBy(static i => i.ContainingTypeFullName, StringComparer.Ordinal)
                        .ThenBy(static i => i.MethodName, StringComparer.Ordinal)),
                new EquatableArray<string>(all.Right.OrderBy(static r => r, StringComparer.Ordinal))))
            .WithTrackingName(TrackingNames.Dispatcher);

        // 6. Emit the dispatcher (a switch on the method id, and the initializers' calls) and the assembly attribute
        //    that names it. An assembly with initializers but no methods still needs it: it is how workers find them.
        context.RegisterSourceOutput(dispatcher, static (output, model) =>
        {
            if (model.Entries.Count > 0 || model.Initializers.Count > 0)
            {
                output.AddSource(Emitter.DispatcherHintName, Emitter.EmitDispatcher(model));
            }
        });
    }
}
