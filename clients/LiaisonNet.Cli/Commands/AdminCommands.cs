using System.CommandLine;
using Google.Protobuf;
using LiaisonNet.Cli.Output;
using LiaisonNet.Cli.Session;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Identity.V1;
using Spectre.Console;

namespace LiaisonNet.Cli.Commands;

/// <summary><c>admin import</c>, <c>admin export</c>, <c>admin accounts ...</c>: an agency administrator's work on their own agency.</summary>
public static class AdminCommands
{
    private const long MaxImportFile = 256L * 1024 * 1024;

    public static void Add(RootCommand root, CliContext context)
    {
        var admin = new Command("admin", "Your agency's directory entries and accounts (agency administrators).\n  Example: liaison admin import officers.csv --dry-run");
        AddImport(admin, context);
        AddExport(admin, context);
        AddAccounts(admin, context);
        root.Subcommands.Add(admin);
    }

    private static Option<string?> FormatOption() => new("--format") { Description = "csv or json (by default from the file's extension; csv otherwise)." };

    private static DataFormat FormatOf(string? format, string? file) => (format ?? Path.GetExtension(file ?? string.Empty).TrimStart('.')).ToLowerInvariant() switch
    {
        "json" => DataFormat.Json,
        "csv" or "" => DataFormat.Csv,
        _ when format is null => DataFormat.Csv,
        _ => throw new UsageException($"--format: '{format}' is neither csv nor json."),
    };

    private static void AddImport(Command admin, CliContext context)
    {
        var file = new Argument<string>("file") { Description = "Officers as CSV (a header row names the columns) or a JSON array." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every row and report; change nothing." };
        var format = FormatOption();
        var import = new Command("import", """
            Create or update your agency's officers from a file. Every row is checked first; if any is wrong, the errors
            are listed with their line numbers and nothing is imported.
              Example: liaison admin import officers.csv --dry-run
            """) { file, dryRun, format };
        context.Online(import, async (parse, printer, connection, cancellation) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"{path} does not exist.", ExitCodes.NotFound);
            }

            if (new FileInfo(path).Length > MaxImportFile)
            {
                throw new UsageException($"{path} is larger than {MaxImportFile / 1024 / 1024} MiB: split it.");
            }

            var kind = FormatOf(parse.GetValue(format), path);
            var text = await File.ReadAllTextAsync(path, cancellation);
            using var client = connection.Client();
            var result = await ImportAsync(client.DirectoryAdmin, printer, path, text, kind, parse.GetValue(dryRun), cancellation);
            if (!printer.Json)
            {
                printer.Record(result, [("file", path), ("rows", result.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("new", result.Created.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("updated", result.Updated.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("", result.Errors.Count > 0 ? $"{result.Errors.Count} errors: nothing was imported{(result.Applied > 0 ? $" after the first {result.Applied} rows" : string.Empty)}."
                        : result.DryRun ? "every row is good (dry run: nothing was changed)" : $"imported {result.Applied} rows")]);
                if (result.Errors.Count > 0)
                {
                    printer.Line(string.Empty);
                    printer.Rows(result.Errors, ["line", "field", "problem"], e => [e.Line.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Field, e.Message]);
                }
            }
            else
            {
                printer.Record(result, []);
            }

            return result.Errors.Count > 0 ? printer.Fail($"{result.Errors.Count} rows of {path} were refused; the first on line {result.Errors[0].Line} ({result.Errors[0].Field}: {result.Errors[0].Message})",
                ExitCodes.Invalid) : ExitCodes.Ok;
        });
        admin.Subcommands.Add(import);
    }

    /// <summary>
    /// Checks every batch (a dry run), and only if every row of the file is good applies them in turn. Ids twice in
    /// the file are found here, across batches, before anything is sent.
    /// </summary>
    private static async Task<ImportResult> ImportAsync(DirectoryAdminService.DirectoryAdminServiceClient directory, Printer printer, string path, string text, DataFormat format,
        bool dryRun, CancellationToken cancellationToken)
    {
        var errors = new List<RowError>();
        var file = OfficerFiles.Read(text, format == DataFormat.Csv);
        if (file is null)
        {
            // Not something the tool can cut: the directory reads it whole and says what is wrong.
            var whole = await directory.ImportOfficersAsync(new ImportOfficersRequest { Format = format, Content = ByteString.CopyFromUtf8(text), DryRun = true },
                deadline: DateTime.UtcNow.AddMinutes(2), cancellationToken: cancellationToken);
            errors.AddRange(whole.Errors.Select(e => new RowError(e.Line, e.Field, e.Message)));
            return new ImportResult(path, whole.Rows, 0, 0, 0, dryRun, errors.Count > 0 ? errors : [new RowError(1, "file", "The file cannot be read.")]);
        }

        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var unique = new List<SourceRecord>();
        foreach (var record in file.Records)
        {
            if (record.Id.Length > 0 && first.TryGetValue(record.Id, out var line))
            {
                errors.Add(new RowError(record.Line, "id", $"'{record.Id}' is also on line {line}."));
                continue;
            }

            if (record.Id.Length > 0)
            {
                first[record.Id] = record.Line;
            }

            unique.Add(record);
        }

        var batches = file.Batches(unique).ToList();
        var (created, updated) = (0, 0);
        await WithProgressAsync(printer, "checking", unique.Count, async advance =>
        {
            foreach (var batch in batches)
            {
                var answer = await SendAsync(directory, batch, format, dryRun: true, cancellationToken);
                errors.AddRange(answer.Errors.Select(e => new RowError(batch.FileLine(e.Line), e.Field, e.Message)));
                created += answer.Created;
                updated += answer.Updated;
                advance(batch.Records.Count);
            }
        });
        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        if (errors.Count > 0 || dryRun)
        {
            return new ImportResult(path, file.Records.Count, created, updated, 0, dryRun, errors);
        }

        var applied = 0;
        await WithProgressAsync(printer, "importing", unique.Count, async advance =>
        {
            foreach (var batch in batches)
            {
                var answer = await SendAsync(directory, batch, format, dryRun: false, cancellationToken);
                if (answer.Errors.Count > 0)
                {
                    // Changed by someone else since the check: what was applied stays (a second run updates it, creating nothing twice).
                    errors.AddRange(answer.Errors.Select(e => new RowError(batch.FileLine(e.Line), e.Field, e.Message)));
                    return;
                }

                applied += batch.Records.Count;
                advance(batch.Records.Count);
            }
        });
        return new ImportResult(path, file.Records.Count, created, updated, applied, false, errors);
    }

    private static async Task<ImportOfficersResponse> SendAsync(DirectoryAdminService.DirectoryAdminServiceClient directory, OfficerFiles.Batch batch, DataFormat format, bool dryRun,
        CancellationToken cancellationToken) =>
        await directory.ImportOfficersAsync(new ImportOfficersRequest { Format = format, Content = ByteString.CopyFrom(batch.Content()), DryRun = dryRun },
            deadline: DateTime.UtcNow.AddMinutes(2), cancellationToken: cancellationToken);

    /// <summary>A progress bar on a terminal; elsewhere (a pipe, a log, --json) a line per batch on standard error.</summary>
    private static async Task WithProgressAsync(Printer printer, string what, int total, Func<Action<int>, Task> run)
    {
        if (Console.IsErrorRedirected || printer.Json)
        {
            var done = 0;
            await run(count =>
            {
                done += count;
                printer.Note($"{what}: {done} of {total} rows");
            });
            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"{what} {total} rows", maxValue: Math.Max(1, total));
                await run(count => task.Increment(count));
                task.Value = task.MaxValue;
            });
    }

    private static void AddExport(Command admin, CliContext context)
    {
        var output = new Option<string?>("-o", "--output") { Description = "Write to this file (standard output otherwise)." };
        var format = FormatOption();
        var export = new Command("export", "Your agency's officers as CSV or JSON, in the columns import reads.\n  Example: liaison admin export -o officers.csv") { output, format };
        context.Online(export, async (parse, printer, connection, cancellation) =>
        {
            var file = parse.GetValue(output);
            using var client = connection.Client();
            var answer = await client.DirectoryAdmin.ExportOfficersAsync(new ExportOfficersRequest { Format = FormatOf(parse.GetValue(format), file) }, cancellationToken: cancellation);
            if (file is null)
            {
                printer.Out.Write(answer.Content.ToStringUtf8());
                return ExitCodes.Ok;
            }

            Session.Profile.WritePrivate(file, answer.Content.Span);
            printer.Record(new { file = Path.GetFullPath(file), rows = answer.Rows }, [("exported", $"{answer.Rows} officers"), ("to", Path.GetFullPath(file))]);
            return ExitCodes.Ok;
        });
        admin.Subcommands.Add(export);
    }

    private static void AddAccounts(Command admin, CliContext context)
    {
        var accounts = new Command("accounts", "Your agency's accounts: list, create, disable, enable, set roles and desks, reset the second factor.\n  Example: liaison admin accounts list");

        var list = new Command("list", "Every account of your agency.\n  Example: liaison admin accounts list --json");
        context.Online(list, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var rows = new List<AccountRow>();
            var page = string.Empty;
            do
            {
                var answer = await client.Accounts.ListAccountsAsync(new ListAccountsRequest { PageSize = 200, PageToken = page }, cancellationToken: cancellation);
                rows.AddRange(answer.Accounts.Select(AccountRow.Of));
                page = answer.NextPageToken;
            }
            while (page.Length > 0);
            Show(printer, rows);
            return ExitCodes.Ok;
        });
        accounts.Subcommands.Add(list);

        var userName = new Argument<string>("user-name") { Description = "The name the officer signs in with." };
        var displayName = new Option<string>("--name") { Description = "The name shown to others.", Required = true };
        var accountId = new Option<string?>("--id") { Description = "The account id (the officer's directory id, for example kz-bs-nurlanov)." };
        var roles = new Option<string[]>("--roles") { Description = "officer, desk-operator, auditor, agency-admin (repeat or separate with commas).", AllowMultipleArgumentsPerToken = true };
        var desks = new Option<string[]>("--desks") { Description = "Desks a desk operator works for.", AllowMultipleArgumentsPerToken = true };
        var create = new Command("create", """
            Create an account in your agency. The initial password is shown once; the officer changes it and sets up the
            second factor at first sign-in.
              Example: liaison admin accounts create nurlanov --name "Нурланов Ерлан" --id kz-bs-nurlanov --roles officer
            """) { userName, displayName, accountId, roles, desks };
        context.Online(create, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var answer = await client.Accounts.CreateAccountAsync(new CreateAccountRequest
            {
                UserName = parse.GetValue(userName) ?? string.Empty, DisplayName = parse.GetValue(displayName) ?? string.Empty, AccountId = parse.GetValue(accountId) ?? string.Empty,
                Roles = { CliContext.Split(parse.GetValue(roles)) }, Desks = { CliContext.Split(parse.GetValue(desks)) },
            }, cancellationToken: cancellation);
            var created = AccountRow.Of(answer.Account);
            printer.Record(new { account = created, initialPassword = answer.InitialPassword },
                [("created", $"{created.Id} ({created.UserName})"), ("roles", string.Join(", ", created.Roles)), ("initial password", answer.InitialPassword), ("", "shown once: hand it over in person")]);
            return ExitCodes.Ok;
        });
        accounts.Subcommands.Add(create);

        foreach (var (name, description, call) in new (string, string, Func<AccountAdminService.AccountAdminServiceClient, AccountRef, CancellationToken, Task<Account>>)[]
        {
            ("disable", "Disable an account: its sessions and tokens stop working at once.", (c, r, t) => c.DisableAccountAsync(r, cancellationToken: t).ResponseAsync),
            ("enable", "Enable a disabled account.", (c, r, t) => c.EnableAccountAsync(r, cancellationToken: t).ResponseAsync),
            ("reset-2fa", "Reset an account's second factor: the officer sets up a new one at the next sign-in.", (c, r, t) => c.ResetSecondFactorAsync(r, cancellationToken: t).ResponseAsync),
        })
        {
            var id = new Argument<string>("id") { Description = "The account id." };
            var command = new Command(name, $"{description}\n  Example: liaison admin accounts {name} kz-bs-nurlanov") { id };
            context.Online(command, async (parse, printer, connection, cancellation) =>
            {
                using var client = connection.Client();
                ShowOne(printer, AccountRow.Of(await call(client.Accounts, new AccountRef { AccountId = parse.GetValue(id) ?? string.Empty }, cancellation)));
                return ExitCodes.Ok;
            });
            accounts.Subcommands.Add(command);
        }

        var setId = new Argument<string>("id") { Description = "The account id." };
        var setRoles = new Option<string[]>("--roles") { Description = "The account's roles from now on.", Required = true, AllowMultipleArgumentsPerToken = true };
        var setDesks = new Option<string[]?>("--desks") { Description = "The desks from now on (unchanged if not given).", AllowMultipleArgumentsPerToken = true };
        var setAccess = new Command("set-roles", "Set an account's roles (and desks).\n  Example: liaison admin accounts set-roles kz-bs-nurlanov --roles officer,desk-operator --desks kz-bs-khorgos-desk")
        {
            setId, setRoles, setDesks,
        };
        context.Online(setAccess, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var account = new AccountRef { AccountId = parse.GetValue(setId) ?? string.Empty };
            var keptDesks = parse.GetValue(setDesks) is { } given ? CliContext.Split(given) : [.. (await client.Accounts.GetAccountAsync(account, cancellationToken: cancellation)).Desks];
            var changed = await client.Accounts.SetAccessAsync(new SetAccessRequest { AccountId = account.AccountId, Roles = { CliContext.Split(parse.GetValue(setRoles)) }, Desks = { keptDesks } },
                cancellationToken: cancellation);
            ShowOne(printer, AccountRow.Of(changed));
            return ExitCodes.Ok;
        });
        accounts.Subcommands.Add(setAccess);

        admin.Subcommands.Add(accounts);
    }

    private static void Show(Printer printer, IReadOnlyList<AccountRow> rows) =>
        printer.Rows(rows, ["id", "user", "name", "agency", "roles", "desks", "state", "2fa"],
            a => [a.Id, a.UserName, a.DisplayName, a.Agency, string.Join(", ", a.Roles), string.Join(", ", a.Desks), a.State, a.SecondFactor ? "yes" : "no"]);

    private static void ShowOne(Printer printer, AccountRow a) =>
        printer.Record(a, [("account", $"{a.Id} ({a.UserName}): {a.DisplayName}"), ("agency", $"{a.Agency} ({a.Country})"), ("roles", string.Join(", ", a.Roles)),
            ("desks", string.Join(", ", a.Desks)), ("state", a.State), ("second factor", a.SecondFactor ? "set up" : "not set up")]);
}

public sealed record RowError(int Line, string Field, string Message);

public sealed record ImportResult(string File, int Rows, int Created, int Updated, int Applied, bool DryRun, IReadOnlyList<RowError> Errors);

public sealed record AccountRow(string Id, string UserName, string DisplayName, string Country, string Agency, IReadOnlyList<string> Roles, IReadOnlyList<string> Desks,
    bool Disabled, bool SecondFactor, DateTimeOffset? LockedOutUntil)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public string State => Disabled ? "disabled" : LockedOutUntil is { } until && until > DateTimeOffset.UtcNow ? $"locked until {Times.Brief(until)}" : "active";

    public static AccountRow Of(Account a) => new(a.Id, a.UserName, a.DisplayName, a.Country, a.Agency, [.. a.Roles], [.. a.Desks], a.Disabled, a.SecondFactorEnabled,
        a.LockedOutUntil?.ToDateTimeOffset());
}
