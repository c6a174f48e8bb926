using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Rpc;
using Grpc.Core;
using Spectre.Console;

namespace LiaisonNet.Cli.Output;

/// <summary>
/// Everything the tool writes: a readable table by default, or JSON with stable field names (<c>--json</c>) for
/// scripts; a failure is one sentence on standard error, never a stack trace.
/// </summary>
public sealed class Printer(TextWriter output, TextWriter error, bool json)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions LineOptions = new(JsonOptions) { WriteIndented = false };

    /// <summary>
    /// Plain text, as wide as the terminal (or <c>COLUMNS</c>); unlimited when the output goes to a file or a pipe, so
    /// that a row is never wrapped there.
    /// </summary>
    private static IAnsiConsole Console(TextWriter text)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 20 ? columns
            : System.Console.IsOutputRedirected ? 1000
            : Math.Max(40, System.Console.WindowWidth);
        return console;
    }

    public bool Json => json;

    public TextWriter Out => output;

    /// <summary>Rows as a table (each row's cells in column order), or the objects as a JSON array.</summary>
    public void Rows<T>(IReadOnlyList<T> items, string[] columns, Func<T, string?[]> cells)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(items, JsonOptions));
            return;
        }

        if (items.Count == 0)
        {
            output.WriteLine("Nothing found.");
            return;
        }

        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column)));
        }

        foreach (var item in items)
        {
            table.AddRow([.. cells(item).Select(c => (Spectre.Console.Rendering.IRenderable)new Text(Safe(c ?? string.Empty)))]);
        }

        var text = new StringWriter();
        Console(text).Write(table);
        // No trailing blanks on a line.
        foreach (var line in text.ToString().Split('\n'))
        {
            output.WriteLine(line.TrimEnd());
        }
    }

    /// <summary>One object: as "name  value" lines (those with a value), or as JSON.</summary>
    public void Record<T>(T item, IReadOnlyList<(string Name, string? Value)> lines)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(item, JsonOptions));
            return;
        }

        // A line with nothing to say is left out.
        var shown = lines.Where(l => !string.IsNullOrWhiteSpace(l.Value)).ToList();
        var width = shown.Count == 0 ? 0 : shown.Max(l => l.Name.Length);
        foreach (var (name, value) in shown)
        {
            output.WriteLine($"{name.PadRight(width)}  {Safe(value!)}".TrimEnd());
        }
    }

    public void Line(string text) => output.WriteLine(text);

    /// <summary>One object as one line of JSON (a stream of them, as <c>inbox --watch --json</c> writes).</summary>
    public void JsonLine<T>(T item) => output.WriteLine(JsonSerializer.Serialize(item, LineOptions));

    /// <summary>Something the user should know while a command goes on, on standard error (standard output stays the result).</summary>
    public void Note(string sentence)
    {
        error.WriteLine($"liaison: {Safe(sentence)}");
        error.Flush();
    }

    /// <summary>A failure in one sentence, and the exit code of its kind.</summary>
    public int Fail(string sentence, int code)
    {
        error.WriteLine($"liaison: {Safe(sentence)}");
        return code;
    }

    /// <summary>A gRPC error as one sentence naming the field or the reason.</summary>
    public int Fail(RpcException failure)
    {
        var detail = failure.Status.Detail;
        var status = failure.GetRpcStatus();
        var violations = status?.GetDetail<BadRequest>()?.FieldViolations;
        if (violations is { Count: > 0 })
        {
            detail = string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}"));
        }

        var sentence = failure.StatusCode switch
        {
            StatusCode.Unauthenticated => "You are not signed in, or the sign-in has expired: run liaison login.",
            StatusCode.Unavailable => $"The system cannot be reached ({detail}).",
            StatusCode.DeadlineExceeded => "The system did not answer in time.",
            _ => detail.Length > 0 ? detail : failure.StatusCode.ToString(),
        };
        return Fail(sentence, ExitCodes.Of(failure.StatusCode));
    }

    /// <summary>Text from the server with control characters (terminal escapes, line breaks) shown, not obeyed.</summary>
    public static string Safe(string text) =>
        text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : text;
}
