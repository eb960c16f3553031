using System.Globalization;

namespace Offload.Protocol;

/// <summary>The worker host's command line: what the launcher writes and the host parses.</summary>
/// <param name="Endpoint">The pool's socket.</param>
/// <param name="WorkerId">The worker's id in its pool.</param>
/// <param name="MaxFrameBytes">The largest frame either side sends.</param>
/// <param name="MemoryLimitBytes">The working set over which the worker asks to be replaced.</param>
/// <param name="EnvironmentToRemove">Variables set for the worker alone, taken out for processes it starts.</param>
/// <param name="LogLevel">The lowest level (a <c>Microsoft.Extensions.Logging.LogLevel</c>) worker code's logs are sent at; 6 (None) sends none.</param>
/// <param name="StreamWindow">Items of a streamed result sent beyond what the caller took.</param>
/// <param name="SharedMemory">Where and how large frames travel through shared memory; null for the socket only.</param>
internal sealed record WorkerArguments(
    string Endpoint,
    int WorkerId,
    int MaxFrameBytes,
    long? MemoryLimitBytes = null,
    string[]? EnvironmentToRemove = null,
    int LogLevel = WorkerArguments.NoLogs,
    int StreamWindow = ProtocolConstants.DefaultStreamWindow,
    SharedMemorySettings? SharedMemory = null)
{
    /// <summary><c>LogLevel.None</c>: worker code's logs are not sent.</summary>
    public const int NoLogs = 6;

    public const string Marker = "--offload-worker";
    public const string EndpointOption = "--endpoint";
    public const string WorkerIdOption = "--worker-id";
    public const string MaxFrameOption = "--max-frame-bytes";
    public const string MemoryLimitOption = "--memory-limit-bytes";
    public const string RemoveEnvironmentOption = "--remove-environment";
    public const string LogLevelOption = "--log-level";
    public const string StreamWindowOption = "--stream-window";
    public const string SharedMemoryOption = "--shared-memory";

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
        var logLevel = NoLogs;
        var streamWindow = ProtocolConstants.DefaultStreamWindow;
        SharedMemorySettings? sharedMemory = null;
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
                case LogLevelOption:
                    logLevel = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case StreamWindowOption:
                    streamWindow = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case SharedMemoryOption:
                    sharedMemory = SharedMemorySettings.Parse(args[i + 1]);
                    break;
            }
        }

        return endpoint is null || workerId is null || maxFrame is null ? null : new WorkerArguments(endpoint, workerId.Value, maxFrame.Value, memoryLimit, removeEnvironment, logLevel, streamWindow, sharedMemory);
    }
}
