using System.Runtime.CompilerServices;

namespace Offload.Protocol;

/// <summary>Whether this process is a NativeAOT binary, which decides how its workers take over before <c>Main</c>.</summary>
internal static class NativeAot
{
    /// <summary>
    /// True in a NativeAOT process. Not <see cref="RuntimeFeature.IsDynamicCodeSupported"/> alone: a CoreCLR app can turn
    /// dynamic code off too (<c>DynamicCodeSupport=false</c>), and taking it for NativeAOT would start its workers through
    /// a module initializer, which CoreCLR cannot host. CoreCLR's host always hands the runtime its list of trusted
    /// assemblies (empty in a single-file app); NativeAOT has no host and no such list.
    /// </summary>
    public static bool IsRunning { get; } =
        !RuntimeFeature.IsDynamicCodeSupported && AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is null;
}
