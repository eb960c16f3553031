using Microsoft.AspNetCore.WebUtilities;
using Offload;

namespace WebApp;

/// <summary>Work that needs the ASP.NET Core shared framework in the worker.</summary>
public static partial class QueryWork
{
    /// <summary>The query's parameters, sorted by name, each with its values joined by commas.</summary>
    [RunInWorkerProcess]
    public static string[] Normalize(string query) =>
        QueryHelpers.ParseQuery(query).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToArray();

    /// <summary>The worker's process id.</summary>
    [RunInWorkerProcess]
    public static int WorkerProcessId() => Environment.ProcessId;
}
