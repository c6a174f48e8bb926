using System.Text;
using System.Text.Json;

namespace LiaisonNet.Cli.Commands;

/// <summary>One officer of an import file: where it starts in the file, its text, and its id (to find duplicates across batches).</summary>
public sealed record SourceRecord(int Line, string Text, string Id);

/// <summary>
/// An officers file cut into batches the directory checks and applies one call at a time (each call is limited in
/// rows and bytes), with the directory's line numbers in a batch turned back into the file's.
/// </summary>
public sealed class OfficerFiles
{
    public const int BatchRows = 1_000;
    public const int BatchBytes = 4 * 1024 * 1024;

    private OfficerFiles(bool csv, string header, IReadOnlyList<SourceRecord> records) => (Csv, Header, Records) = (csv, header, records);

    public bool Csv { get; }

    /// <summary>The CSV header, sent with every batch.</summary>
    public string Header { get; }

    public IReadOnlyList<SourceRecord> Records { get; }

    /// <summary>Reads a file; null when it cannot be cut (then it goes whole, and the directory says what is wrong with it).</summary>
    public static OfficerFiles? Read(string text, bool csv) => csv ? ReadCsv(text.TrimStart('\uFEFF')) : ReadJson(text);

    /// <summary>RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks), as the directory reads them.</summary>
    private static OfficerFiles? ReadCsv(string text)
    {
        var records = new List<(int Line, string Text, List<string> Fields)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var (line, recordLine, start, quoted) = (1, 1, 0, false);
        void End(int end)
        {
            fields.Add(field.ToString());
            field.Clear();
            records.Add((recordLine, text[start..end].TrimEnd('\r'), fields));
            fields = [];
        }

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
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    End(i);
                    line++;
                    (recordLine, start) = (line, i + 1);
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (quoted || records.Count == 0 && field.Length == 0 && fields.Count == 0)
        {
            return null;
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            End(text.Length);
        }

        var header = records[0];
        var idColumn = header.Fields.FindIndex(f => f.Trim().Equals("id", StringComparison.OrdinalIgnoreCase));
        var rows = records.Skip(1)
            .Where(r => !(r.Fields.Count == 1 && r.Fields[0].Length == 0))
            .Select(r => new SourceRecord(r.Line, r.Text, idColumn >= 0 && idColumn < r.Fields.Count ? r.Fields[idColumn].Trim() : string.Empty))
            .ToList();
        return new OfficerFiles(true, header.Text, rows);
    }

    /// <summary>The elements of a JSON array; the directory numbers them from 1.</summary>
    private static OfficerFiles? ReadJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var rows = document.RootElement.EnumerateArray()
                .Select((e, i) => new SourceRecord(i + 1, e.GetRawText(),
                    e.ValueKind == JsonValueKind.Object && e.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()!.Trim() : string.Empty))
                .ToList();
            return new OfficerFiles(false, string.Empty, rows);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The records cut into batches of at most <see cref="BatchRows"/> rows and about <see cref="BatchBytes"/> bytes.</summary>
    public IEnumerable<Batch> Batches(IReadOnlyCollection<SourceRecord> records)
    {
        var batch = new List<SourceRecord>();
        var bytes = 0;
        foreach (var record in records)
        {
            var size = Encoding.UTF8.GetByteCount(record.Text) + 1;
            if (batch.Count > 0 && (batch.Count == BatchRows || bytes + size > BatchBytes))
            {
                yield return new Batch(this, batch);
                (batch, bytes) = ([], 0);
            }

            batch.Add(record);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return new Batch(this, batch);
        }
    }

    /// <summary>Some records as one file to send, and the way back from its line numbers to the file's.</summary>
    public sealed class Batch(OfficerFiles file, IReadOnlyList<SourceRecord> records)
    {
        public IReadOnlyList<SourceRecord> Records => records;

        public byte[] Content() => Encoding.UTF8.GetBytes(file.Csv
            ? file.Header + "\n" + string.Join("\n", records.Select(r => r.Text)) + "\n"
            : "[" + string.Join(",\n", records.Select(r => r.Text)) + "]");

        /// <summary>The file's line (CSV) or element number (JSON) of the batch's <paramref name="line"/>.</summary>
        public int FileLine(int line)
        {
            if (!file.Csv)
            {
                return line >= 1 && line <= records.Count ? records[line - 1].Line : line;
            }

            var at = file.Header.Count(c => c == '\n') + 2;
            if (line < at)
            {
                return line;
            }

            foreach (var record in records)
            {
                var lines = record.Text.Count(c => c == '\n') + 1;
                if (line < at + lines)
                {
                    return record.Line + (line - at);
                }

                at += lines;
            }

            return line;
        }
    }
}
