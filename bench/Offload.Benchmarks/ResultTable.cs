using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Offload.Benchmarks;

/// <summary>
/// The results of a run: the goals table (one row per goal of the issue: Offload, baseline, ratio, goal, pass/fail)
/// and every measurement with its notes; printed as Markdown and written to latest.md and latest.json.
/// </summary>
internal sealed class ResultTable
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,

        // A results file, never embedded in HTML: keep µ, × and + readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly List<ResultRow> _rows = [];


    /// <summary>The goal rows, set once the run is over.</summary>
    public IReadOnlyList<GoalRow> Goals { get; set; } = [];

    /// <summary>The column headers of the goals table, in order.</summary>
    public static readonly string[] GoalColumns = ["goal", "section", "metric", "Offload", "baseline", "unit", "ratio", "target", "result"];

    public void Add(string section, string metric, double value, string unit, int decimals, string notes = "")
    {
        var row = new ResultRow(section, metric, value, unit, notes, decimals);
        _rows.Add(row);
        Console.WriteLine($"  {metric}: {FormatValue(row)} {unit}{(notes.Length > 0 ? $"  ({notes})" : "")}");
    }

    public string ToMarkdown(RunEnvironment environment)
    {
        var text = new StringBuilder();
        text.AppendLine("# Offload benchmark results").AppendLine();
        foreach (var line in environment.Describe())
        {
            text.Append("- ").AppendLine(line);
        }

        text.AppendLine();
        text.AppendLine("## Goals").AppendLine();
        text.AppendLine("Each ratio compares two numbers measured in this run; the ratio is Offload ÷ baseline, except for \"lower\" goals (baseline ÷ Offload).").AppendLine();
        text.Append("| ").AppendJoin(" | ", GoalColumns).AppendLine(" |");
        text.Append('|').AppendJoin("", GoalColumns.Select(c => c is "Offload" or "baseline" or "ratio" ? "---:|" : "---|")).AppendLine();
        foreach (var goal in Goals)
        {
            text.Append("| ").Append(goal.Id)
                .Append(" | ").Append(goal.Section)
                .Append(" | ").Append(Escape(goal.Metric))
                .Append(" | ").Append(FormatNumber(goal.Offload))
                .Append(" | ").Append(goal.Baseline is null ? "—" : $"{FormatNumber(goal.Baseline)} ({Escape(goal.BaselineName)})")
                .Append(" | ").Append(Escape(goal.Unit))
                .Append(" | ").Append(goal.Ratio is { } ratio ? ratio.ToString(ratio < 10 ? "F2" : "F1", CultureInfo.InvariantCulture) + "×" : "—")
                .Append(" | ").Append(Escape(goal.Goal))
                .Append(" | ").Append(Escape(goal.Result))
                .AppendLine(" |");
        }

        text.AppendLine();
        text.AppendLine("## All measurements").AppendLine();
        text.AppendLine("| section | metric | value | unit | notes |");
        text.AppendLine("|---|---|---:|---|---|");
        foreach (var row in _rows)
        {
            text.Append("| ").Append(row.Section)
                .Append(" | ").Append(Escape(row.Metric))
                .Append(" | ").Append(FormatValue(row))
                .Append(" | ").Append(Escape(row.Unit))
                .Append(" | ").Append(Escape(row.Notes))
                .AppendLine(" |");
        }

        return text.ToString();
    }

    public string ToJson(RunEnvironment environment) =>
        JsonSerializer.Serialize(new { environment, goals = Goals, rows = _rows }, JsonOptions);

    /// <summary>Writes latest.md and latest.json into <paramref name="directory"/>; returns their paths.</summary>
    public (string Markdown, string Json) WriteFiles(string directory, RunEnvironment environment)
    {
        Directory.CreateDirectory(directory);
        var markdown = Path.Combine(directory, "latest.md");
        var json = Path.Combine(directory, "latest.json");
        File.WriteAllText(markdown, ToMarkdown(environment));
        File.WriteAllText(json, ToJson(environment) + Environment.NewLine);
        return (markdown, json);
    }

    private static string FormatValue(ResultRow row) =>
        double.IsFinite(row.Value)
            ? row.Value.ToString("N" + row.Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : "n/a";

    /// <summary>A number for the goals table: no decimals from 1,000 up, one from 10, two below.</summary>
    private static string FormatNumber(double? value) => value switch
    {
        null => "—",
        { } v when !double.IsFinite(v) => "n/a",
        >= 1000 => value.Value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("F2", CultureInfo.InvariantCulture),
    };

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');
}
