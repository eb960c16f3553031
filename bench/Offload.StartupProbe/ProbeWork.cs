namespace Offload.StartupProbe;

/// <summary>The probe's one worker method.</summary>
public static partial class ProbeWork
{
    /// <summary>Returns its argument.</summary>
    [RunInWorkerProcess]
    public static int Echo(int value) => value;
}
