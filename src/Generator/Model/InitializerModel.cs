namespace Offload.Generator.Model;

/// <summary>One valid <c>[WorkerInitializer]</c> method, as the dispatcher's <c>InitializeAsync</c> calls it.</summary>
/// <param name="ContainingTypeFullName">The fully qualified containing type (<c>global::Samples.Setup</c>).</param>
/// <param name="MethodName">The method's name as declared; the emitter escapes it where it is a keyword.</param>
/// <param name="Order">The attribute's <c>Order</c>: initializers run in ascending order of it.</param>
/// <param name="ReturnKind"><see cref="ReturnKind.Void"/>, <see cref="ReturnKind.Task"/> or <see cref="ReturnKind.ValueTask"/>; the latter two are awaited.</param>
internal sealed record InitializerModel(string ContainingTypeFullName, string MethodName, int Order, ReturnKind ReturnKind);
