using System.Globalization;

namespace Offload.Protocol;

/// <summary>The worker host's command line: what the launcher writes and the host parses.</summary>
internal sealed record WorkerArguments(string Endpoint, int WorkerId, int MaxFrameBytes, long? MemoryLimitBytes = null, string[]? EnvironmentToRemove = null)
{
    public const string Marker = "--offload-worker";
    public const string EndpointOption = "--endpoint";
    public const string WorkerIdOption = "--worker-id";
    public const string MaxFrameOption = "--max-frame-bytes";
    public const string MemoryLimitOption = "--memory-limit-bytes";
    public const string RemoveEnvironmentOption = "--remove-environment";

    public static WorkerArguments? TryParse(string[] args)
    {
        if (args.Length == 0 || args[0] != Marker)
        {
            return null;
        }

        string? endpoint = null;
        int? workerId = null;
        int? maxFrame = null;
        long? memoryLimit = null;
        string[]? removeEnvironment = null;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case EndpointOption:
                    endpoint = args[i + 1];
                    break;
                case WorkerIdOption:
                    workerId = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case MaxFrameOption:
                    maxFrame = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case MemoryLimitOption:
                    memoryLimit = long.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case RemoveEnvironmentOption:
                    removeEnvironment = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries);
                    break;
            }
        }

        return endpoint is null || workerId is null || maxFrame is null ? null : new WorkerArguments(endpoint, workerId.Value, maxFrame.Value, memoryLimit, removeEnvironment);
    }
}
