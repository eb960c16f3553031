namespace Offload.Generator.Emit;

/// <summary>Text that every emitter writes the same way.</summary>
internal static class GeneratedText
{
    /// <summary>The attribute that marks generated members.</summary>
    public const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"Offload.Generator\", \"0.1.0\")]";

    /// <summary>Escapes text for an XML doc comment.</summary>
    public static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
