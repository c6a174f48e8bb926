using System.Text;
using System.Text.Json;
using LiaisonNet.Directory.Model;

namespace LiaisonNet.Directory.Admin;

/// <summary>One officer read from an import file, with where it came from and what is wrong with it.</summary>
public sealed record ImportRow(int Line, OfficerRecord? Officer, IReadOnlyList<FieldProblem> Problems);

/// <summary>
/// An agency's officers as a file: CSV (RFC 4180, a header row, lists separated by ';', languages as "code:level") or
/// JSON (an array of objects with the same fields). Reading reports every bad row with its line and field.
/// </summary>
public static class OfficerFile
{
    public static readonly string[] Columns =
    [
        "id", "native_name", "latin_name", "name_variants", "rank", "posting", "centre", "crossing_point", "languages", "specialities",
        "email", "phone", "personal_phone", "clearance", "home_unit", "unit",
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IReadOnlyList<ImportRow> ReadCsv(string text, string agency, string agencyName, string country)
    {
        var records = ParseCsv(text, out var syntaxError);
        if (syntaxError is not null)
        {
            return [new ImportRow(syntaxError.Value.Line, null, [new FieldProblem("file", syntaxError.Value.Message)])];
        }

        if (records.Count == 0)
        {
            return [new ImportRow(1, null, [new FieldProblem("header", "The file is empty; the first row names the columns.")])];
        }

        var header = records[0].Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
        var missing = Columns.Take(3).Where(c => !header.Contains(c)).ToList();
        var unknown = header.Where(h => !Columns.Contains(h)).ToList();
        if (missing.Count > 0 || unknown.Count > 0 || header.Distinct().Count() != header.Count)
        {
            var message = string.Join(" ", new[]
            {
                missing.Count > 0 ? $"Missing columns: {string.Join(", ", missing)}." : null,
                // Each named as quoted (short, control characters escaped), and no more than a few: the header may be anything.
                unknown.Count > 0 ? $"Unknown columns: {string.Join(", ", unknown.Take(5).Select(LiaisonNet.ServiceDefaults.Grpc.RpcErrors.Quote))}{(unknown.Count > 5 ? $" and {unknown.Count - 5} more" : string.Empty)}." : null,
                header.Distinct().Count() != header.Count ? "A column is named twice." : null,
            }.OfType<string>());
            return [new ImportRow(1, null, [new FieldProblem("header", $"{message} Columns: {string.Join(", ", Columns)}.")])];
        }

        var rows = new List<ImportRow>();
        foreach (var record in records.Skip(1))
        {
            if (record.Fields.Count == 1 && record.Fields[0].Length == 0)
            {
                continue;
            }

            if (record.Fields.Count != header.Count)
            {
                rows.Add(new ImportRow(record.Line, null, [new FieldProblem("row", $"{record.Fields.Count} fields; the header has {header.Count}.")]));
                continue;
            }

            var field = header.Select((h, i) => (h, v: record.Fields[i].Trim())).ToDictionary(p => p.h, p => p.v);
            string Get(string name) => field.GetValueOrDefault(name) ?? string.Empty;
            var problems = new List<FieldProblem>();
            var languages = new List<LanguageSkill>();
            foreach (var item in List(Get("languages")))
            {
                var parts = item.Split(':');
                if (parts.Length != 2)
                {
                    problems.Add(new FieldProblem("languages", $"{LiaisonNet.ServiceDefaults.Grpc.RpcErrors.Quote(item)} is not code:level (for example ru:fluent)."));
                    continue;
                }

                languages.Add(new LanguageSkill(parts[0].Trim(), parts[1].Trim()));
            }

            var contacts = new List<Contact>();
            if (Get("email").Length > 0)
            {
                contacts.Add(new Contact("email", Get("email")));
            }

            if (Get("phone").Length > 0)
            {
                contacts.Add(new Contact("phone", Get("phone")));
            }

            var officer = new OfficerRecord
            {
                Id = Get("id"),
                NativeName = Get("native_name"),
                LatinName = Get("latin_name"),
                Variants = List(Get("name_variants")),
                Rank = Get("rank"),
                Country = country,
                Agency = agency,
                AgencyName = agencyName,
                Posting = Get("posting"),
                Centre = NullIfEmpty(Get("centre")),
                CrossingPoint = NullIfEmpty(Get("crossing_point")),
                Unit = NullIfEmpty(Get("unit")),
                Languages = languages,
                Specialities = List(Get("specialities")),
                Contacts = contacts,
                RestrictedFields = new Restricted(Get("personal_phone"), Get("clearance"), Get("home_unit")),
            };
            rows.Add(new ImportRow(record.Line, officer, problems));
        }

        return rows;
    }

    public static IReadOnlyList<ImportRow> ReadJson(string text, string agency, string agencyName, string country)
    {
        List<FileOfficer?>? items;
        try
        {
            items = JsonSerializer.Deserialize<List<FileOfficer?>>(text, Json);
        }
        catch (JsonException ex)
        {
            return [new ImportRow((int)(ex.LineNumber ?? 0) + 1, null, [new FieldProblem("file", $"Not a JSON array of officers: {ex.Message}")])];
        }

        if (items is null)
        {
            return [new ImportRow(1, null, [new FieldProblem("file", "Not a JSON array of officers.")])];
        }

        return [.. items.Select((item, i) => item is null
            ? new ImportRow(i + 1, null, [new FieldProblem("row", "null is not an officer.")])
            : new ImportRow(i + 1, new OfficerRecord
            {
                Id = item.Id ?? string.Empty,
                NativeName = item.NativeName ?? string.Empty,
                LatinName = item.LatinName ?? string.Empty,
                Variants = item.NameVariants ?? [],
                Rank = item.Rank ?? string.Empty,
                Country = country,
                Agency = agency,
                AgencyName = agencyName,
                Posting = item.Posting ?? string.Empty,
                Centre = NullIfEmpty(item.Centre ?? string.Empty),
                CrossingPoint = NullIfEmpty(item.CrossingPoint ?? string.Empty),
                Unit = NullIfEmpty(item.Unit ?? string.Empty),
                Languages = item.Languages ?? [],
                Specialities = item.Specialities ?? [],
                Contacts = item.Contacts ?? [],
                RestrictedFields = item.Restricted ?? new Restricted(string.Empty, string.Empty, string.Empty),
            }, []))];
    }

    public static string WriteCsv(IEnumerable<OfficerRecord> officers)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', Columns).Append("\r\n");
        foreach (var o in officers)
        {
            var values = new[]
            {
                o.Id, o.NativeName, o.LatinName, string.Join(';', o.Variants), o.Rank, o.Posting, o.Centre ?? string.Empty, o.CrossingPoint ?? string.Empty,
                string.Join(';', o.Languages.Select(l => $"{l.Language}:{l.Level}")), string.Join(';', o.Specialities),
                o.Contacts.FirstOrDefault(c => c.Kind == "email")?.Value ?? string.Empty, o.Contacts.FirstOrDefault(c => c.Kind == "phone")?.Value ?? string.Empty,
                o.RestrictedFields?.PersonalPhone ?? string.Empty, o.RestrictedFields?.Clearance ?? string.Empty, o.RestrictedFields?.HomeUnit ?? string.Empty,
                o.Unit ?? string.Empty,
            };
            text.AppendJoin(',', values.Select(Quote)).Append("\r\n");
        }

        return text.ToString();
    }

    public static string WriteJson(IEnumerable<OfficerRecord> officers) => JsonSerializer.Serialize(officers.Select(o => new FileOfficer
    {
        Id = o.Id,
        NativeName = o.NativeName,
        LatinName = o.LatinName,
        NameVariants = [.. o.Variants],
        Rank = o.Rank,
        Posting = o.Posting,
        Centre = o.Centre,
        CrossingPoint = o.CrossingPoint,
        Unit = o.Unit,
        Languages = [.. o.Languages],
        Specialities = [.. o.Specialities],
        Contacts = [.. o.Contacts],
        Restricted = o.RestrictedFields,
    }), Json);

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    private static List<string> List(string value) => [.. value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private sealed record CsvRecord(int Line, List<string> Fields);

    /// <summary>RFC 4180: fields separated by commas, quoted fields may hold commas, quotes (doubled) and line breaks.</summary>
    private static List<CsvRecord> ParseCsv(string text, out (int Line, string Message)? error)
    {
        error = null;
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        var quoteLine = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    quoteLine = line;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add(new CsvRecord(recordLine, fields));
                    fields = [];
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (quoted)
        {
            error = (quoteLine, "A quoted field is never closed.");
            return records;
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(new CsvRecord(recordLine, fields));
        }

        return records;
    }

    private sealed class FileOfficer
    {
        public string? Id { get; set; }
        public string? NativeName { get; set; }
        public string? LatinName { get; set; }
        public List<string>? NameVariants { get; set; }
        public string? Rank { get; set; }
        public string? Posting { get; set; }
        public string? Centre { get; set; }
        public string? CrossingPoint { get; set; }
        public string? Unit { get; set; }
        public List<LanguageSkill>? Languages { get; set; }
        public List<string>? Specialities { get; set; }
        public List<Contact>? Contacts { get; set; }
        public Restricted? Restricted { get; set; }
    }
}
