using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Offload.Benchmarks;

/// <summary>The results of a run: printed as a Markdown table and written to latest.md and latest.json.</summary>
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

    public IReadOnlyList<ResultRow> Rows => _rows;

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
        text.AppendLine("| metric | value | unit | notes |");
        text.AppendLine("|---|---:|---|---|");
        foreach (var row in _rows)
        {
            text.Append("| ").Append(Escape(row.Metric))
                .Append(" | ").Append(FormatValue(row))
                .Append(" | ").Append(Escape(row.Unit))
                .Append(" | ").Append(Escape(row.Notes))
                .AppendLine(" |");
        }

        return text.ToString();
    }

    public string ToJson(RunEnvironment environment) =>
        JsonSerializer.Serialize(new { environment, rows = _rows }, JsonOptions);

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

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');
}
