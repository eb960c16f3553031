using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Offload.Generator.Diagnostics;

/// <summary>
/// Every diagnostic Offload reports. Ids are stable: each has a section in docs/diagnostics.md and a row in
/// AnalyzerReleases.Unshipped.md (moved to Shipped.md on release).
/// </summary>
/// <remarks>
/// Each descriptor is built with literal arguments rather than through a helper, because the release-tracking
/// analyzers (RS1017, RS2000-RS2008) can only check ids, categories and severities they see as constants.
/// </remarks>
internal static class DiagnosticDescriptors
{
    private const string Category = "Offload";
    private const string HelpLinkBase = "https://github.com/offload-dotnet/offload/blob/main/docs/diagnostics.md#";

    /// <summary>{0}: method.</summary>
    public static readonly DiagnosticDescriptor MethodMustBeStatic = new(
        id: "OFFLOAD0001",
        title: "Worker-process method must be static",
        messageFormat: "Method '{0}' must be static to run in a worker process",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A worker process has no instance to call the method on, so only static methods can be offloaded.",
        helpLinkUri: HelpLinkBase + "offload0001");

    /// <summary>{0}: the type that lacks <c>partial</c>; {1}: method.</summary>
    public static readonly DiagnosticDescriptor TypeMustBePartial = new(
        id: "OFFLOAD0002",
        title: "Type containing a worker-process method must be partial",
        messageFormat: "Type '{0}' must be partial so that Offload can add the companion of method '{1}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Offload adds the asynchronous companion to the type that declares the method, so that type and every type enclosing it must be declared partial.",
        helpLinkUri: HelpLinkBase + "offload0002");

    /// <summary>{0}: method.</summary>
    public static readonly DiagnosticDescriptor GenericNotSupported = new(
        id: "OFFLOAD0003",
        title: "Generic worker-process methods are not supported yet",
        messageFormat: "Method '{0}' is generic or is declared in a generic type, which is not supported yet",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The worker dispatcher cannot yet close a generic method or a method of a generic type over type arguments chosen by the caller.",
        helpLinkUri: HelpLinkBase + "offload0003");

    /// <summary>{0}: parameter; {1}: method; {2}: the modifier (<c>ref</c>, <c>out</c>, <c>in</c>, <c>ref readonly</c>).</summary>
    public static readonly DiagnosticDescriptor ByRefParameter = new(
        id: "OFFLOAD0004",
        title: "Worker-process method parameters must be passed by value",
        messageFormat: "Parameter '{0}' of method '{1}' is declared '{2}', but a worker process cannot share a variable with its caller; pass it by value",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Arguments are copied into another process and the result is copied back; a ref, out, in or ref readonly parameter would refer to a variable the worker cannot see.",
        helpLinkUri: HelpLinkBase + "offload0004");

    /// <summary>{0}: parameter; {1}: method; {2}: type; {3}: why (a pointer, a ref struct, a delegate, dynamic).</summary>
    public static readonly DiagnosticDescriptor ParameterCannotCrossProcess = new(
        id: "OFFLOAD0005",
        title: "Parameter type can never cross a process boundary",
        messageFormat: "Parameter '{0}' of method '{1}' has type '{2}', which can never cross a process boundary: {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Pointers, function pointers, ref structs (such as Span<T>), delegates and dynamic values refer to memory or code of the calling process, so they cannot be sent to a worker.",
        helpLinkUri: HelpLinkBase + "offload0005");

    /// <summary>{0}: <c>parameter 'x'</c> or <c>return value</c>; {1}: method; {2}: type; {3}: the reason, naming the innermost offending type.</summary>
    public static readonly DiagnosticDescriptor NotSerializable = new(
        id: "OFFLOAD0006",
        title: "Type cannot be serialized by MemoryPack",
        messageFormat: "The {0} of method '{1}' has type '{2}', which MemoryPack cannot serialize ({3}); mark that type [MemoryPackable] or use a supported type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Arguments and results travel between processes as MemoryPack payloads, so their types must be primitives, strings, enums, unmanaged structs, supported framework types and collections, or types marked [MemoryPackable] or [MemoryPackUnion].",
        helpLinkUri: HelpLinkBase + "offload0006");

    /// <summary>
    /// OFFLOAD0006 for a type nobody can mark <c>[MemoryPackable]</c> (one from another assembly, such as
    /// <c>Stream</c> or <c>ILogger</c>, an interface, an abstract class, a delegate), with advice that fits. {0} to
    /// {3}: as <see cref="NotSerializable"/>; {4}: why marking it is no way out, naming the offending type.
    /// </summary>
    public static readonly DiagnosticDescriptor NotSerializableUnmarkable = new(
        id: "OFFLOAD0006",
        title: "Type cannot be serialized by MemoryPack",
        messageFormat: "The {0} of method '{1}' has type '{2}', which MemoryPack cannot serialize ({3}); {4}: send the data it holds instead, such as its bytes, a path, or a serializable type of your own",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Arguments and results travel between processes as MemoryPack payloads, so their types must be primitives, strings, enums, unmanaged structs, supported framework types and collections, or types marked [MemoryPackable] or [MemoryPackUnion]. A framework type such as Stream, an interface or an abstract class cannot be marked; send the data it holds instead.",
        helpLinkUri: HelpLinkBase + "offload0006");

    /// <summary>{0}: method; {1}: return type; {2}: why.</summary>
    public static readonly DiagnosticDescriptor UnsupportedReturn = new(
        id: "OFFLOAD0007",
        title: "Unsupported return shape",
        messageFormat: "Method '{0}' returns '{1}', which is not supported: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A worker-process method must return void, a value, Task, Task<T>, ValueTask, ValueTask<T> or IAsyncEnumerable<T>; ref returns, pointers, ref structs, enumerators and streams wrapped in a task cannot be carried back.",
        helpLinkUri: HelpLinkBase + "offload0007");

    /// <summary>{0}: method; {1}: companion name; {2}: type.</summary>
    public static readonly DiagnosticDescriptor CompanionNameConflict = new(
        id: "OFFLOAD0008",
        title: "A member already has the companion's name",
        messageFormat: "Method '{0}' needs a generated companion named '{1}', but type '{2}' already declares a member with that name; rename one of them",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Offload adds an asynchronous companion to the containing type, named after the method with an Async suffix (InWorkerAsync when the name already ends in Async), and map companions named after the method without a trailing Async: {Name}MapAsync and {Name}MapUnorderedAsync for a method with a result, {Name}ForEachAsync for one without (none when it takes no arguments), and a hidden nested class named __Offload that holds the generated plumbing. A member the user declared with one of these names, or the type itself bearing one, would clash with it.",
        helpLinkUri: HelpLinkBase + "offload0008");

    /// <summary>{0}: type; {1}: its accessibility (private, protected, private protected, file-local); {2}: method.</summary>
    public static readonly DiagnosticDescriptor TypeNotReachable = new(
        id: "OFFLOAD0009",
        title: "Containing type is not reachable from the rest of its assembly",
        messageFormat: "Type '{0}' is {1}, so the generated worker dispatcher cannot reach method '{2}'; make it internal or public",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The worker dispatcher that Offload generates lives outside the method's type, so the type and every type enclosing it must be internal, protected internal or public.",
        helpLinkUri: HelpLinkBase + "offload0009");

    /// <summary>{0}: method; {1}: what it is (a local function, extern, declared in an interface, ...).</summary>
    public static readonly DiagnosticDescriptor UnsupportedMethodKind = new(
        id: "OFFLOAD0010",
        title: "Unsupported containing type or method kind",
        messageFormat: "Method '{0}' is {1}, which [RunInWorkerProcess] does not support",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Only ordinary static methods with a body, declared in a class, struct, record or record struct, can run in a worker process.",
        helpLinkUri: HelpLinkBase + "offload0010");

    /// <summary>{0}: the extra parameter; {1}: method.</summary>
    public static readonly DiagnosticDescriptor MultipleCancellationTokens = new(
        id: "OFFLOAD0011",
        title: "More than one CancellationToken parameter",
        messageFormat: "Parameter '{0}' of method '{1}' is a second CancellationToken; only one can be bound to the call's token",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A CancellationToken parameter is not serialized: the worker binds it to the token of the call. A method can therefore take at most one.",
        helpLinkUri: HelpLinkBase + "offload0011");

    /// <summary>OFFLOAD0012: two overloads would get companions with the same parameter list. {0}, {1}: the methods; {2}: companion name; {3}: why.</summary>
    public static readonly DiagnosticDescriptor CompanionSignatureConflict = new(
        id: "OFFLOAD0012",
        title: "Overloads would get companions with the same signature",
        messageFormat: "Methods '{0}' and '{1}' would both get the companion '{2}' with the same parameters, because {3}; rename one of them",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A companion takes the method's parameters without its CancellationToken and ILogger parameters, then a CancellationToken of its own, and a map companion takes the arguments as one item (a tuple when there are several). Overloads that differ only by a CancellationToken or a logger, or where one takes a tuple and the other that tuple's elements, would therefore produce two identical companions.",
        helpLinkUri: HelpLinkBase + "offload0012");

    /// <summary>{0}: the setting (<c>MaxRetries</c>, <c>TimeoutMilliseconds</c>); {1}: its value; {2}: method; {3}: what is allowed.</summary>
    public static readonly DiagnosticDescriptor InvalidSetting = new(
        id: "OFFLOAD0013",
        title: "Invalid [RunInWorkerProcess] setting",
        messageFormat: "{0} = {1} on method '{2}' is invalid: {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "MaxRetries must be between 0 and 100, and TimeoutMilliseconds must be 0 (the pool's default timeout) or a positive number of milliseconds.",
        helpLinkUri: HelpLinkBase + "offload0013");

    /// <summary>{0}: method.</summary>
    public static readonly DiagnosticDescriptor RetryOnExceptionWithoutRetries = new(
        id: "OFFLOAD0014",
        title: "RetryOnException has no effect without MaxRetries",
        messageFormat: "RetryOnException = true on method '{0}' has no effect while MaxRetries is 0; set MaxRetries to how many times a call may be retried",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "RetryOnException only says which failures are retried; how often is MaxRetries, which defaults to 0, so the setting alone retries nothing. The method still runs in a worker.",
        helpLinkUri: HelpLinkBase + "offload0014");

    /// <summary>{0}: initializer.</summary>
    public static readonly DiagnosticDescriptor InitializerMustBeStatic = new(
        id: "OFFLOAD0015",
        title: "Worker initializer must be static",
        messageFormat: "Worker initializer '{0}' must be static: a worker has no instance to call it on",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated dispatcher calls each [WorkerInitializer] method once per worker, through its type, so only static methods can be initializers.",
        helpLinkUri: HelpLinkBase + "offload0015");

    /// <summary>{0}: initializer.</summary>
    public static readonly DiagnosticDescriptor InitializerHasParameters = new(
        id: "OFFLOAD0016",
        title: "Worker initializer must not take parameters",
        messageFormat: "Worker initializer '{0}' takes parameters, but a worker calls it with none; pass settings as environment variables (WorkerPoolOptions.EnvironmentVariables)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A worker runs its initializers before any call, so there are no arguments to give them. Settings from the parent travel as WorkerPoolOptions.EnvironmentVariables.",
        helpLinkUri: HelpLinkBase + "offload0016");

    /// <summary>{0}: initializer.</summary>
    public static readonly DiagnosticDescriptor InitializerIsGeneric = new(
        id: "OFFLOAD0017",
        title: "Worker initializer must not be generic",
        messageFormat: "Worker initializer '{0}' is generic or is declared in a generic type, so a worker has no type arguments to call it with",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated dispatcher calls each initializer directly and has no type arguments to choose, so neither the method nor a type around it may be generic.",
        helpLinkUri: HelpLinkBase + "offload0017");

    /// <summary>{0}: initializer; {1}: return type; {2}: why.</summary>
    public static readonly DiagnosticDescriptor InitializerUnsupportedReturn = new(
        id: "OFFLOAD0018",
        title: "Worker initializer must return void, Task or ValueTask",
        messageFormat: "Worker initializer '{0}' returns '{1}', which is not supported: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A worker runs an initializer and, when it returns Task or ValueTask, awaits it before the next one; a result would have nowhere to go, and an async void method cannot be awaited.",
        helpLinkUri: HelpLinkBase + "offload0018");

    /// <summary>{0}: initializer; {1}: why, ending with what to do (<c>it is private; make it internal or public</c>).</summary>
    public static readonly DiagnosticDescriptor InitializerNotCallable = new(
        id: "OFFLOAD0019",
        title: "Worker initializer cannot be called by the generated dispatcher",
        messageFormat: "Worker initializer '{0}' cannot be called by the generated dispatcher: {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The dispatcher Offload generates for the assembly calls each initializer by name from outside its type, so the method must be an ordinary method that is internal, protected internal or public, in types that are too.",
        helpLinkUri: HelpLinkBase + "offload0019");

    /// <summary>{0}: the extra parameter; {1}: method.</summary>
    public static readonly DiagnosticDescriptor MultipleProgressParameters = new(
        id: "OFFLOAD0020",
        title: "More than one IProgress<T> parameter",
        messageFormat: "Parameter '{0}' of method '{1}' is a second IProgress<T>; a call reports progress to one IProgress<T> only",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An IProgress<T> parameter is not serialized: the worker binds it to a proxy whose reports reach the caller's IProgress<T> through the call's one progress channel. A method can therefore take at most one; report a record that holds every kind of progress instead.",
        helpLinkUri: HelpLinkBase + "offload0020");

    /// <summary>All descriptors, for <see cref="Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer.SupportedDiagnostics"/>.</summary>
    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        MethodMustBeStatic,
        TypeMustBePartial,
        GenericNotSupported,
        ByRefParameter,
        ParameterCannotCrossProcess,
        NotSerializable,
        UnsupportedReturn,
        CompanionNameConflict,
        TypeNotReachable,
        UnsupportedMethodKind,
        MultipleCancellationTokens,
        CompanionSignatureConflict,
        InvalidSetting,
        RetryOnExceptionWithoutRetries,
        InitializerMustBeStatic,
        InitializerHasParameters,
        InitializerIsGeneric,
        InitializerUnsupportedReturn,
        InitializerNotCallable,
        MultipleProgressParameters,
        NotSerializableUnmarkable);
}
