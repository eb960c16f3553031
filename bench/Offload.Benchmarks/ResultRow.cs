using System.Text.Json.Serialization;

namespace Offload.Benchmarks;

/// <summary>One line of the result table.</summary>
/// <param name="Section">Which measurement produced it (start-up, round trip, ...); JSON only.</param>
/// <param name="Metric">What was measured, with its configuration.</param>
/// <param name="Value">The number, unrounded.</param>
/// <param name="Unit">Its unit.</param>
/// <param name="Notes">How it was measured, or anything that helps read it.</param>
/// <param name="Decimals">Decimals shown in the Markdown table.</param>
internal sealed record ResultRow(
    string Section,
    string Metric,
    double Value,
    string Unit,
    string Notes,
    [property: JsonIgnore] int Decimals);
