using Offload.Generator.Model;

namespace Offload.Generator.Emit;

/// <summary>
/// Writes one family of map companions (<c>MapAsync</c>, <c>MapUnorderedAsync</c> or <c>ForEachAsync</c>): two
/// overloads, over an <c>IEnumerable</c> or an <c>IAsyncEnumerable</c> input. The pool is an optional parameter after
/// the options rather than a first parameter of extra overloads: null means <c>WorkerPool.Shared</c>, which the
/// runtime's entry point of the same name resolves, so the companion passes it straight through.
/// </summary>
/// <param name="Model">The method.</param>
/// <param name="ItemType">The input's item type: the argument's type, or a tuple of them.</param>
/// <param name="ToArguments">A static lambda that turns an item into the method's arguments struct.</param>
/// <param name="SourceDoc">The <c>source</c> parameter's doc comment line.</param>
internal sealed record MapFamily(MethodModel Model, string ItemType, string ToArguments, string SourceDoc)
{
    private const string GeneratedCode = GeneratedText.GeneratedCode;
    private const string Tail = "global::Offload.MapOptions? options = null, global::Offload.IWorkerPool? pool = null, global::System.Threading.CancellationToken cancellationToken = default";

    /// <summary>Writes the family's two overloads.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="name">The companions' name (<c>SquareMapAsync</c>).</param>
    /// <param name="entryPoint">The <c>OffloadCalls</c> method they call.</param>
    /// <param name="returnType">What they return.</param>
    /// <param name="typeArguments">The entry point's type arguments.</param>
    /// <param name="how">How the items run and what comes back, to complete the summary.</param>
    /// <param name="returnsDoc">The <c>returns</c> doc comment line.</param>
    public void Write(SourceWriter writer, string name, string entryPoint, string returnType, string typeArguments, string how, string returnsDoc)
    {
        string[] sources =
        [
            $"global::System.Collections.Generic.IEnumerable<{ItemType}>",
            $"global::System.Collections.Generic.IAsyncEnumerable<{ItemType}>",
        ];
        for (var i = 0; i < sources.Length; i++)
        {
            if (i > 0)
            {
                writer.Line();
            }

            WriteDocs(writer, how, returnsDoc);
            writer.Line($"{Model.Accessibility} static {returnType} {name}({sources[i]} source, {Tail})");
            writer.Line($"    => global::Offload.CompilerServices.OffloadCalls.{entryPoint}<{typeArguments}>(pool, {Model.PlumbingMember(Model.BatchDescriptorFieldName)}, source, {ToArguments}, options, cancellationToken);");
        }
    }

    private void WriteDocs(SourceWriter writer, string how, string returnsDoc)
    {
        writer.Line($"/// <summary>Runs <c>{Xml(Model.DisplayName)}</c> for every item of <paramref name=\"source\"/> in worker processes of <paramref name=\"pool\"/>, {how}.</summary>");
        writer.Line(SourceDoc);
        writer.Line("/// <param name=\"options\">Chunk size and chunks in flight; <see langword=\"null\"/> sizes chunks automatically.</param>");
        writer.Line("/// <param name=\"pool\">The pool whose workers run the chunks; <see langword=\"null\"/> for <see cref=\"global::Offload.WorkerPool.Shared\"/>.</param>");
        writer.Line("/// <param name=\"cancellationToken\">Cancels the map: chunks not yet run never run, running ones see their token fire.</param>");
        writer.Line(returnsDoc);
        writer.Line(GeneratedCode);
    }

    private static string Xml(string text) => GeneratedText.Xml(text);
}
