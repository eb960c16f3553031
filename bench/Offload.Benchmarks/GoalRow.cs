namespace Offload.Benchmarks;

/// <summary>One goal of the issue, checked as a ratio of two numbers measured in the same run.</summary>
/// <param name="Id">The goal's number and letter (1a, 1b, 2a, ...), stable across runs.</param>
/// <param name="Section">The benchmark section that measures the Offload side.</param>
/// <param name="Metric">What is compared.</param>
/// <param name="Offload">Offload's number; null when not measured.</param>
/// <param name="Baseline">The baseline's number; null when not measured or when the goal has no baseline.</param>
/// <param name="BaselineName">What the baseline is.</param>
/// <param name="Unit">The unit of both numbers.</param>
/// <param name="Ratio">The ratio the goal limits (see <paramref name="RatioDefinition"/>); null when a number is missing.</param>
/// <param name="RatioDefinition">How the ratio is formed, e.g. "Offload ÷ baseline".</param>
/// <param name="Goal">The limit, e.g. "≤ 1.5×", or "report" for a number that is only reported.</param>
/// <param name="Result">"pass", "fail", "info" (reported only) or "n/a" with the reason.</param>
internal sealed record GoalRow(
    string Id,
    string Section,
    string Metric,
    double? Offload,
    double? Baseline,
    string BaselineName,
    string Unit,
    double? Ratio,
    string RatioDefinition,
    string Goal,
    string Result);
