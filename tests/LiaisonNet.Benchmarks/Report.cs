using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace LiaisonNet.Benchmarks;

/// <summary>One figure: its raw value, and where a target applies, the ratio it is judged by.</summary>
public sealed record Figure(string Section, string Name, double Value, string Unit, string? RatioOf = null, double? Ratio = null, string? Target = null, bool? Met = null);

/// <summary>The table printed at the end of a run and written as JSON, with the machine it was measured on.</summary>
public sealed class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public List<Figure> Figures { get; } = [];

    public string Mode { get; init; } = "full";

    public Figure Add(string section, string name, double value, string unit, string? ratioOf = null, double? ratio = null, string? target = null, bool? met = null)
    {
        var figure = new Figure(section, name, value, unit, ratioOf, ratio, target, met);
        Figures.Add(figure);
        Console.WriteLine($"  {section,-12} {name,-52} {Format(value),12} {unit}{(ratio is null ? string.Empty : $"   ratio {Format(ratio.Value)} ({ratioOf})")}");
        return figure;
    }

    public Figure Get(string section, string name) => Figures.Single(f => f.Section == section && f.Name == name);

    public static object Machine() => new
    {
        os = RuntimeInformation.OSDescription,
        architecture = RuntimeInformation.OSArchitecture.ToString(),
        cores = Environment.ProcessorCount,
        memoryGiB = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
        runtime = RuntimeInformation.FrameworkDescription,
        cpu = CpuModel(),
    };

    public string Table()
    {
        var text = new StringBuilder();
        text.AppendLine("| section | figure | value | unit | ratio | target | met |");
        text.AppendLine("|---|---|---:|---|---:|---|---|");
        foreach (var f in Figures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {f.Section} | {f.Name} | {Format(f.Value)} | {f.Unit} | {(f.Ratio is null ? string.Empty : $"{Format(f.Ratio.Value)} × {f.RatioOf}")} | {f.Target ?? string.Empty} | {(f.Met is null ? string.Empty : f.Met.Value ? "yes" : "**no**")} |");
        }

        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new { measuredAt = DateTimeOffset.UtcNow, mode = Mode, machine = Machine(), figures = Figures }, Json);

    public static string Format(double value) => double.IsNaN(value) ? "n/a"
        : Math.Abs(value) >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture)
        : value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
