namespace Offload.Generator.Model;

/// <summary>
/// Everything the emitter needs to know about one valid <c>[RunInWorkerProcess]</c> method. Holds only strings, enums,
/// numbers and <see cref="EquatableArray{T}"/>, never symbols or syntax, so the incremental pipeline can compare it by
/// value and cache the output.
/// </summary>
/// <remarks>
/// <c>MaxRetries</c>, <c>RetryOnException</c> and <c>TimeoutMilliseconds</c> are the attribute's settings as written
/// (0, false and 0 when not given); the emitter copies into the descriptor only those that differ from the default.
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
    int TimeoutMilliseconds)
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
}
