using System.IO.Hashing;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Newtonsoft.Json.Linq;
using Newtonsoft.Json;

namespace Offload.Runtime.Tests;

/// <summary>
/// Worker code that needs what a real application has and the shared framework alone does not: NuGet packages
/// (Newtonsoft.Json, System.IO.Hashing) and the ASP.NET Core shared framework.
/// </summary>
public static partial class DependencyWorkloads
{
    /// <summary>Parses JSON with Newtonsoft.Json and returns one property, re-serialized.</summary>
    [RunInWorkerProcess]
    public static string PickWithNewtonsoft(string json, string property) =>
        JsonConvert.SerializeObject(JObject.Parse(json)[property]);

    /// <summary>CRC-32 of the text's UTF-8 bytes, with System.IO.Hashing.</summary>
    [RunInWorkerProcess]
    public static uint Crc32Of(string text) => Crc32.HashToUInt32(Encoding.UTF8.GetBytes(text));

    /// <summary>Parses a query string with ASP.NET Core's WebUtilities (shared framework Microsoft.AspNetCore.App).</summary>
    [RunInWorkerProcess]
    public static string[] ParseQuery(string query) =>
        QueryHelpers.ParseQuery(query).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToArray();

    /// <summary>Where the worker loaded each dependency from, to compare with where the parent loaded it.</summary>
    [RunInWorkerProcess]
    public static string[] DependencyLocations() => Locations();

    /// <summary>The file each dependency's assembly was loaded from, in this process.</summary>
    public static string[] Locations() =>
    [
        typeof(JsonConvert).Assembly.Location,
        typeof(Crc32).Assembly.Location,
        typeof(QueryHelpers).Assembly.Location,
    ];
}
