using System.CommandLine;
using Grpc.Core;
using LiaisonNet.Cli.Commands;
using LiaisonNet.Cli.Output;
using LiaisonNet.Cli.Session;

namespace LiaisonNet.Cli;

/// <summary>The <c>liaison</c> commands. Every command prints a table by default and JSON with <c>--json</c>.</summary>
public static class Cli
{
    /// <summary>The embedded host's gateway: the default system.</summary>
    public const string DefaultServer = "http://localhost:5080";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var context = new CliContext(output, error);
        var root = new RootCommand($"""
            LiaisonNet from a terminal: find counterparts, send and receive messages, review the audit trail.
              liaison login                                    sign in (shows a code to approve on another device)
              liaison search "Ходжаев"                         find an officer in any script or spelling
              liaison send --to desk:tj-dca-panj-desk --precedence flash --subject "..." "text"
              liaison inbox --watch                            new messages as they arrive, from where you left off
              liaison audit verify trail.bundle --key audit-key.pem
            {ExitCodes.Table}
            """);
        context.AddGlobalOptions(root);
        SessionCommands.Add(root, context);
        DirectoryCommands.Add(root, context);
        MessageCommands.Add(root, context);
        AuditCommands.Add(root, context);
        AdminCommands.Add(root, context);
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}

/// <summary>What every command shares: the global options, the printer, the connection, and the turning of failures into one sentence.</summary>
public sealed class CliContext(TextWriter output, TextWriter error)
{
    private readonly Option<string?> _server = new("--server") { Description = $"The system's address (its gateway); LIAISON_SERVER otherwise, else {Cli.DefaultServer}.", Recursive = true };
    private readonly Option<bool> _json = new("--json") { Description = "JSON with stable field names, for scripts.", Recursive = true };
    private readonly Option<string?> _clientId = new("--client-id")
    {
        Description = "Act as a registered client (automation); its secret is read from LIAISON_CLIENT_SECRET, never from the command line.", Recursive = true,
    };

    public TextWriter Error => error;

    /// <summary>Values given repeated or comma-separated: <c>--to a --to b</c> or <c>--to a,b</c>.</summary>
    public static List<string> Split(string[]? values) =>
        [.. (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    public void AddGlobalOptions(RootCommand root)
    {
        root.Options.Add(_server);
        root.Options.Add(_json);
        root.Options.Add(_clientId);
    }

    public Uri ServerOf(ParseResult parse) =>
        new((parse.GetValue(_server) ?? Environment.GetEnvironmentVariable("LIAISON_SERVER") ?? Cli.DefaultServer).TrimEnd('/') + "/");

    public Printer PrinterOf(ParseResult parse) => new(output, error, parse.GetValue(_json));

    /// <summary>A command that needs no sign-in (offline verification, login itself).</summary>
    public void Offline(Command command, Func<ParseResult, Printer, HttpClient, CancellationToken, Task<int>> run) =>
        command.SetAction((parse, cancellation) => GuardAsync(PrinterOf(parse), (printer, http) => run(parse, printer, http, cancellation)));

    /// <summary>A command that acts for the signed-in user (or the client of <c>--client-id</c>).</summary>
    public void Online(Command command, Func<ParseResult, Printer, Connection, CancellationToken, Task<int>> run) =>
        command.SetAction((parse, cancellation) => GuardAsync(PrinterOf(parse), async (printer, http) =>
        {
            var connection = new Connection(TokenStore.ForUser(), new Identity(http));
            await connection.OpenAsync(ServerOf(parse), parse.GetValue(_clientId), cancellation);
            // Renewed now, if due, rather than inside a call.
            await connection.GetAccessTokenAsync(cancellation);
            return await run(parse, printer, connection, cancellation);
        }));

    /// <summary>Runs a command, turning every expected failure into one sentence and its exit code.</summary>
    private static async Task<int> GuardAsync(Printer printer, Func<Printer, HttpClient, Task<int>> run)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            return await run(printer, http);
        }
        catch (SignInException ex)
        {
            return printer.Fail(ex.Message, ExitCodes.NotSignedIn);
        }
        catch (UsageException ex)
        {
            return printer.Fail(ex.Message, ex.ExitCode);
        }
        catch (RpcException ex)
        {
            return printer.Fail(ex);
        }
        catch (HttpRequestException ex)
        {
            return printer.Fail($"The system cannot be reached ({ex.Message}).", ExitCodes.Unavailable);
        }
        catch (IOException ex)
        {
            return printer.Fail(ex.Message, ExitCodes.Failed);
        }
        catch (UnauthorizedAccessException ex)
        {
            return printer.Fail(ex.Message, ExitCodes.Failed);
        }
        catch (OperationCanceledException)
        {
            return printer.Fail("Stopped.", ExitCodes.Failed);
        }
    }
}

/// <summary>A value on the command line the tool itself refuses (before asking the server), in one sentence.</summary>
public sealed class UsageException(string message, int exitCode = ExitCodes.Invalid) : Exception(message)
{
    public int ExitCode => exitCode;
}
