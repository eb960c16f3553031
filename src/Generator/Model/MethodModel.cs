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
/// <para>
/// The plumbing (descriptors, invokers, formatter registration, arguments struct) lives in the containing type's
/// hidden nested class <see cref="CompanionNames.PlumbingClass"/>, where its members need only be unique among the
/// type's methods. <c>ArgumentsInContainingType</c> is the exception for the arguments struct: true when a sent
/// parameter's type is not visible throughout the assembly (a private or protected nested type, or a type built from
/// one). The struct's fields have that type, and C# will not let an internal struct in the internal hidden class have
/// a field less accessible than itself (CS0052), nor let the companions, which sit in the containing type, see a
/// private struct of the hidden class. So such a method's struct stays a private member of the containing type, as
/// accessible as the types it holds allow; the hidden class's invokers still see it, being nested in that type.
/// </para>
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
    EquatableArray<string> FormatterRegistrations,
    bool ArgumentsInContainingType)
{
    /// <summary>The id as a C# literal.</summary>
    public string MethodIdLiteral => "0x" + MethodId.ToString("x16") + "UL";

    /// <summary>A suffix that makes generated member names unique per method, overloads included.</summary>
    public string MemberSuffix => MethodName + "_" + MethodId.ToString("x16");

    /// <summary>
    /// Name of the generated arguments struct, as declared: in the hidden class, or in the containing type when
    /// <see cref="ArgumentsInContainingType"/> (where it keeps a prefix that says whose it is). The hidden class's own
    /// members can use it as is, either way.
    /// </summary>
    public string ArgumentsTypeName => ArgumentsInContainingType ? "__OffloadArgs_" + MemberSuffix : "Args_" + MemberSuffix;

    /// <summary>The arguments struct as the companions, in the containing type, name it.</summary>
    public string ArgumentsTypeReference => ArgumentsInContainingType ? ArgumentsTypeName : PlumbingMember(ArgumentsTypeName);

    /// <summary>Name of the generated method descriptor field, in the hidden class.</summary>
    public string DescriptorFieldName => "Method_" + MemberSuffix;

    /// <summary>Name of the generated worker-side invoker, in the hidden class.</summary>
    public string InvokerName => "Invoke_" + MemberSuffix;

    /// <summary>Whether the method gets map companions (see <see cref="CompanionNames.HasMaps"/>).</summary>
    public bool HasMap => CompanionNames.HasMaps(
        hasArguments: Parameters.Any(static p => p.IsSent),
        isStream: ReturnKind == ReturnKind.Stream,
        hasProgress: Parameters.Any(static p => p.Kind == ParameterKind.Progress));

    /// <summary>
    /// The category of the logger bound to a plain <c>ILogger</c> parameter: the containing type's full name without
    /// <c>global::</c> or <c>@</c>, nested types joined by dots, as ASP.NET Core names the category of an
    /// <c>ILogger&lt;T&gt;</c>.
    /// </summary>
    public string LoggerCategory => TypePath.Replace("@", "");

    /// <summary>The containing type's full name without <c>global::</c>.</summary>
    private string TypePath =>
        ContainingTypeFullName.StartsWith("global::", System.StringComparison.Ordinal) ? ContainingTypeFullName.Substring("global::".Length) : ContainingTypeFullName;

    /// <summary>The batch id as a C# literal.</summary>
    public string BatchMethodIdLiteral => "0x" + BatchMethodId.ToString("x16") + "UL";

    /// <summary>Name of the generated batch descriptor field (the map chunks' method descriptor), in the hidden class.</summary>
    public string BatchDescriptorFieldName => "Batch_" + MemberSuffix;

    /// <summary>Name of the generated worker-side invoker of a map chunk, in the hidden class.</summary>
    public string BatchInvokerName => "InvokeBatch_" + MemberSuffix;

    /// <summary>Name of the generated method that runs <see cref="FormatterRegistrations"/>, in the hidden class.</summary>
    public string RegisterFormattersName => "RegisterFormatters_" + MemberSuffix;

    /// <summary>The file that declares the containing type's hidden class, once for all its methods.</summary>
    public string PlumbingHintName => TypePath + "." + CompanionNames.PlumbingClass + ".g.cs";

    /// <summary>A member of the hidden class as code in the containing type names it (<c>__Offload.Method_Square_…</c>).</summary>
    public string PlumbingMember(string name) => CompanionNames.PlumbingClass + "." + name;

    /// <summary>A member of the hidden class as code outside the containing type (the dispatcher) names it.</summary>
    public string PlumbingPath(string name) => ContainingTypeFullName + "." + PlumbingMember(name);
}
