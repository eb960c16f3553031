namespace Offload.Generator;

/// <summary>Names of the pipeline's steps, so that tests can check what each run cached.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Methods = nameof(Methods);
    public const string DispatchEntries = nameof(DispatchEntries);
    public const string Dispatcher = nameof(Dispatcher);
    public const string ParseInitializer = nameof(ParseInitializer);
    public const string Initializers = nameof(Initializers);
    public const string FormatterRegistrations = nameof(FormatterRegistrations);
    public const string PlumbingClasses = nameof(PlumbingClasses);
}
