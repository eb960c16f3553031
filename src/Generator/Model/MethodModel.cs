using System.Linq;

namespace Offload.Generator.Model;

/// <summary>
/// Everything the emitter needs to know about one valid <c>[RunInWorkerProcess]</c> method. Holds only strings, enums,
/// numbers and <see cref="EquatableArray{T}"/>, never symbols or syntax, so the incremental pipeline can compare it by
/// value and cache the output.
/// </summary>
/// <remarks>
/// <c>MaxRetries</c>, <c>RetryOnException</c> and <c>TimeoutMilliseconds</c> are the attribute's settings as written
/// (0, false and 0 when not given); the emitter copies into the descriptor only those that differ from the default.
/// <c>BatchMethodId</c> is the id of the method's map chunks (its batch invoker), and <c>MapBaseName</c> starts the
/// map companions' names; both matter only when <see cref="HasMap"/>. <c>FormatterRegistrations</c> are the
/// statements, in ordinal order, that register the MemoryPack formatters of the types in the method's parameters and
/// result (see <c>Validation.FormatterRegistrations</c>).
/// </remarks>
internal sealed record MethodModel(
    string? Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string ContainingTypeFullName,
    string MethodName,
    string CompanionName,
    string Accessibility,
    EquatableArray<ParameterModel> Parameters,
    ReturnKind ReturnKind,
    string? ResultType,
    ulong MethodId,
    string DisplayName,
    string HintName,
    string PoolParameterName,
    string TokenParameterName,
    int MaxRetries,
    bool RetryOnException,
    int TimeoutMilliseconds,
    ulong BatchMethodId,
    string MapBaseName,
    EquatableArray<string> FormatterRegistrations)
{
    /// <summary>The id as a C# literal.</summary>
    public string MethodIdLiteral => "0x" + MethodId.ToString("x16") + "UL";

    /// <summary>A suffix that makes generated member names unique per method, overloads included.</summary>
    public string MemberSuffix => MethodName + "_" + MethodId.ToString("x16");

    /// <summary>Name of the generated arguments struct.</summary>
    public string ArgumentsTypeName => "__OffloadArgs_" + MemberSuffix;

    /// <summary>Name of the generated method descriptor field.</summary>
    public string DescriptorFieldName => "__OffloadMethod_" + MemberSuffix;

    /// <summary>Name of the generated worker-side invoker.</summary>
    public string InvokerName => "__OffloadInvoke_" + MemberSuffix;

    /// <summary>Whether the method gets map companions: it takes at least one argument to map over.</summary>
    public bool HasMap => Parameters.Any(static p => !p.IsCancellationToken);

    /// <summary>The batch id as a C# literal.</summary>
    public string BatchMethodIdLiteral => "0x" + BatchMethodId.ToString("x16") + "UL";

    /// <summary>Name of the generated batch descriptor field (the map chunks' method descriptor).</summary>
    public string BatchDescriptorFieldName => "__OffloadBatch_" + MemberSuffix;

    /// <summary>Name of the generated worker-side invoker of a map chunk.</summary>
    public string BatchInvokerName => "__OffloadInvokeBatch_" + MemberSuffix;

    /// <summary>Name of the generated method that runs <see cref="FormatterRegistrations"/>.</summary>
    public string RegisterFormattersName => "__OffloadRegisterFormatters_" + MemberSuffix;
}
