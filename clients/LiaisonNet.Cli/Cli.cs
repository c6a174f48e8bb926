using System.CommandLine;
using Grpc.Core;
using LiaisonNet.Cli.Output;
using LiaisonNet.Cli.Session;
using LiaisonNet.Protos.Directory.V1;
using QRCoder;

namespace LiaisonNet.Cli;

/// <summary>The <c>liaison</c> commands. Every command prints a table by default and JSON with <c>--json</c>.</summary>
public static class Cli
{
    /// <summary>The embedded host's gateway: the default system.</summary>
    public const string DefaultServer = "http://localhost:5080";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var server = new Option<string?>("--server") { Description = $"The system's address (its gateway); LIAISON_SERVER otherwise, else {DefaultServer}.", Recursive = true };
        var json = new Option<bool>("--json") { Description = "JSON with stable field names, for scripts.", Recursive = true };
        var clientId = new Option<string?>("--client-id")
        {
            Description = "Act as a registered client (automation); its secret is read from LIAISON_CLIENT_SECRET, never from the command line.", Recursive = true,
        };
        var root = new RootCommand($"""
            LiaisonNet from a terminal: find counterparts, send and receive messages, review the audit trail.
              liaison login                      sign in (shows a code to approve on another device)
              liaison search "Ходжаев"           find an officer in any script or spelling
            {ExitCodes.Table}
            """);
        root.Options.Add(server);
        root.Options.Add(json);
        root.Options.Add(clientId);

        Uri ServerOf(ParseResult parse) => new((parse.GetValue(server) ?? Environment.GetEnvironmentVariable("LIAISON_SERVER") ?? DefaultServer).TrimEnd('/') + "/");
        Printer PrinterOf(ParseResult parse) => new(output, error, parse.GetValue(json));

        var login = new Command("login", "Sign in with a code approved in a browser on any device.\n  Example: liaison login --server https://liaisonnet.example.org");
        login.SetAction((parse, cancellation) => RunAsync(PrinterOf(parse), async (printer, http) =>
        {
            var identity = new Identity(http);
            var target = ServerOf(parse);
            var endpoints = await identity.DiscoverAsync(target, cancellation);
            var device = await identity.StartDeviceFlowAsync(endpoints.Issuer, cancellation);
            var link = device.VerificationUriComplete ?? device.VerificationUri;
            // The prompt goes to standard error under --json, so that standard output stays one JSON document.
            var prompt = printer.Json ? error : output;
            prompt.WriteLine($"Open {link}");
            prompt.WriteLine($"and approve the code {device.UserCode} (it expires in {device.ExpiresIn / 60} min). Or scan:");
            using (var data = QRCodeGenerator.GenerateQrCode(link, QRCodeGenerator.ECCLevel.L))
            {
                prompt.WriteLine(new AsciiQRCode(data).GetGraphicSmall());
            }

            prompt.Flush();
            var tokens = await identity.CompleteDeviceFlowAsync(endpoints.Issuer, device, cancellation);
            var session = new StoredSession(target.ToString(), endpoints, tokens.AccessToken, tokens.RefreshToken, DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn));
            var store = TokenStore.ForUser();
            store.Save(session);
            var me = Me.Of(session.AccessToken, target);
            printer.Record(me, [("signed in as", $"{me.Name} ({me.Agency}, {me.Country})"), ("server", me.Server), ("kept in", store.Path)]);
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(login);

        var logout = new Command("logout", "Sign out: the refresh token is revoked and the local sign-in removed.\n  Example: liaison logout");
        logout.SetAction((parse, cancellation) => RunAsync(PrinterOf(parse), async (printer, http) =>
        {
            var store = TokenStore.ForUser();
            if (store.Load() is { RefreshToken: { } refresh } stored)
            {
                await new Identity(http).RevokeAsync(stored.Endpoints.Issuer, refresh, cancellation);
            }

            var removed = store.Remove();
            printer.Record(new { signedOut = removed }, [("signed out", removed ? "yes" : "no sign-in was kept")]);
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(logout);

        var whoami = new Command("whoami", "Who the tool acts as, for which agency, and until when.\n  Example: liaison whoami --json");
        whoami.SetAction((parse, cancellation) => WithConnectionAsync(parse, async (printer, connection) =>
        {
            var me = Me.Of(await connection.GetAccessTokenAsync(cancellation), ServerOf(parse));
            printer.Record(me, [("user", me.Subject), ("name", me.Name), ("agency", $"{me.Agency} ({me.Country})"), ("roles", string.Join(", ", me.Roles)),
                ("server", me.Server), ("token until", me.ExpiresAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture))]);
            return ExitCodes.Ok;
        }, cancellation));
        root.Subcommands.Add(whoami);

        var text = new Argument<string>("text") { Description = "A name in any script or romanisation (Ходжаев, Khodjaev, Xo'jayev), 2 to 200 characters." };
        var country = new Option<string?>("--country") { Description = "ISO country code (KZ, UZ, ...)." };
        var agency = new Option<string?>("--agency") { Description = "Agency code (KZ-BS, UZ-CUS, ...)." };
        var speciality = new Option<string?>("--speciality") { Description = "A speciality (customs fraud, migration, ...)." };
        var language = new Option<string?>("--language") { Description = "An ISO 639-1 language the officer speaks." };
        var onDuty = new Option<bool>("--on-duty") { Description = "Only officers on duty now." };
        var search = new Command("search", "Find officers across scripts and spellings.\n  Example: liaison search Khodzhaev --country UZ") { text, country, agency, speciality, language, onDuty };
        search.SetAction((parse, cancellation) => WithConnectionAsync(parse, async (printer, connection) =>
        {
            using var client = connection.Client();
            var answer = await client.Directory.SearchOfficersAsync(new SearchOfficersRequest
            {
                Query = parse.GetValue(text) ?? string.Empty, Country = parse.GetValue(country) ?? string.Empty, Agency = parse.GetValue(agency) ?? string.Empty,
                Speciality = parse.GetValue(speciality) ?? string.Empty, Language = parse.GetValue(language) ?? string.Empty, OnDutyNow = parse.GetValue(onDuty),
            }, cancellationToken: cancellation);
            var officers = answer.Officers.Select(OfficerRow.Of).ToList();
            printer.Rows(officers, ["id", "name", "latin", "rank", "agency", "posting", "on duty at"],
                o => [o.Id, o.Name, o.LatinName, o.Rank, o.Agency, o.Posting, string.Join(", ", o.OnDutyAt)]);
            return ExitCodes.Ok;
        }, cancellation));
        root.Subcommands.Add(search);

        var deskAgency = new Option<string?>("--agency") { Description = "Only desks of this agency (KZ-BS, ...)." };
        var deskCountry = new Option<string?>("--country") { Description = "Only desks of this country (KZ, ...)." };
        var desks = new Command("desks", "Duty desks and who is on duty at each now.\n  Example: liaison desks --country KZ") { deskAgency, deskCountry };
        desks.SetAction((parse, cancellation) => WithConnectionAsync(parse, async (printer, connection) =>
        {
            using var client = connection.Client();
            var rows = new List<DeskRow>();
            var page = string.Empty;
            do
            {
                var answer = await client.Directory.ListDesksAsync(new ListDesksRequest
                {
                    Agency = parse.GetValue(deskAgency) ?? string.Empty, Country = parse.GetValue(deskCountry) ?? string.Empty, PageSize = 100, PageToken = page,
                }, cancellationToken: cancellation);
                rows.AddRange(answer.Desks.Select(DeskRow.Of));
                page = answer.NextPageToken;
            }
            while (page.Length > 0);
            printer.Rows(rows, ["id", "name", "agency", "time zone", "on duty", "backup"], d => [d.Id, d.Name, d.Agency, d.TimeZone, d.OnDuty, d.Backup]);
            return ExitCodes.Ok;
        }, cancellation));
        root.Subcommands.Add(desks);

        var deskId = new Argument<string>("id") { Description = "The desk's id (see liaison desks)." };
        var desk = new Command("desk", "One desk: who is on duty now, and its roster in the desk's time zone and yours.\n  Example: liaison desk kz-bs-khorgos-desk") { deskId };
        desk.SetAction((parse, cancellation) => WithConnectionAsync(parse, async (printer, connection) =>
        {
            using var client = connection.Client();
            var found = await client.Directory.GetDeskAsync(new GetDeskRequest { Id = parse.GetValue(deskId) ?? string.Empty }, cancellationToken: cancellation);
            var row = DeskRow.Of(found);
            var shifts = found.Roster.Select(shift => ShiftRow.Of(shift, found.TimeZone)).ToList();
            if (printer.Json)
            {
                printer.Record(new { desk = row, roster = shifts }, []);
                return ExitCodes.Ok;
            }

            printer.Record(row, [("desk", $"{row.Id}: {row.Name} ({row.Agency})"), ("time zone", row.TimeZone), ("desk time now", row.LocalTime),
                ("on duty", row.OnDuty), ("backup", row.Backup), ("next", row.Next)]);
            printer.Line(string.Empty);
            printer.Rows(shifts, ["days", $"desk time ({found.TimeZone})", $"your time ({TimeZoneInfo.Local.Id})", "primary", "backup"],
                s => [string.Join(" ", s.Days), s.DeskTime, s.YourTime, s.Primary, s.Backup]);
            return ExitCodes.Ok;
        }, cancellation));
        root.Subcommands.Add(desk);

        async Task<int> WithConnectionAsync(ParseResult parse, Func<Printer, Connection, Task<int>> run, CancellationToken cancellation) =>
            await RunAsync(PrinterOf(parse), async (printer, http) =>
            {
                var connection = new Connection(TokenStore.ForUser(), new Identity(http));
                await connection.OpenAsync(ServerOf(parse), parse.GetValue(clientId), cancellation);
                // Renewed now, if due, rather than inside a call.
                await connection.GetAccessTokenAsync(cancellation);
                return await run(printer, connection);
            });

        var parsed = root.Parse(args);
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>Runs a command, turning every expected failure into one sentence and its exit code.</summary>
    private static async Task<int> RunAsync(Printer printer, Func<Printer, HttpClient, Task<int>> run)
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
        catch (RpcException ex)
        {
            return printer.Fail(ex);
        }
        catch (HttpRequestException ex)
        {
            return printer.Fail($"The system cannot be reached ({ex.Message}).", ExitCodes.Unavailable);
        }
        catch (OperationCanceledException)
        {
            return printer.Fail("Stopped.", ExitCodes.Failed);
        }
    }
}

/// <summary>The signed-in user, from the access token (<c>whoami</c>, <c>login</c>).</summary>
public sealed record Me(string Subject, string Name, string Agency, string Country, IReadOnlyList<string> Roles, string Server, DateTimeOffset ExpiresAt)
{
    /// <summary>Reads the token's claims (the tool does not verify the token: the services do, on every call).</summary>
    public static Me Of(string accessToken, Uri server)
    {
        var parts = accessToken.Split('.');
        if (parts.Length != 3)
        {
            throw new SignInException("The kept sign-in holds no readable token: run liaison login.");
        }

        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        using var claims = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(payload));
        var root = claims.RootElement;
        string Claim(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString()! : string.Empty;
        var roles = root.TryGetProperty("role", out var role)
            ? role.ValueKind == System.Text.Json.JsonValueKind.Array ? [.. role.EnumerateArray().Select(r => r.GetString() ?? string.Empty)] : new List<string> { role.GetString() ?? string.Empty }
            : [];
        var expires = root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MinValue;
        return new Me(Claim("sub"), Claim("name"), Claim("agency"), Claim("country"), roles, server.ToString(), expires);
    }
}

/// <summary>An officer as <c>liaison search</c> lists it; the JSON field names are part of the tool's contract.</summary>
public sealed record OfficerRow(string Id, string Name, string LatinName, string Rank, string Country, string Agency, string Posting, IReadOnlyList<string> Languages,
    IReadOnlyList<string> OnDutyAt)
{
    public static OfficerRow Of(OfficerSummary o) =>
        new(o.Id, o.DisplayName, o.LatinName, o.Rank, o.Country, o.Agency, o.Posting, [.. o.Languages], [.. o.OnDutyAt]);
}

/// <summary>A desk as <c>liaison desks</c> and <c>liaison desk</c> show it.</summary>
public sealed record DeskRow(string Id, string Name, string Agency, string Country, string TimeZone, string LocalTime, string OnDuty, string Backup, string Next)
{
    public static DeskRow Of(Desk d) => new(d.Id, d.Name, d.Agency, d.Country, d.TimeZone, d.OnDuty?.LocalTime ?? string.Empty,
        Who(d.OnDuty?.Primary), Who(d.OnDuty?.Backup),
        d.OnDuty?.NextPrimary is { } next && d.OnDuty.NextStarts is { } starts
            ? $"{Who(next)} from {starts.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm} your time"
            : string.Empty);

    private static string Who(OfficerSummary? officer) => officer is null ? "nobody" : $"{officer.DisplayName} ({officer.Id})";
}

/// <summary>A roster shift, in the desk's own time zone and in the caller's (as it falls today).</summary>
public sealed record ShiftRow(IReadOnlyList<string> Days, string DeskTime, string YourTime, string Primary, string Backup)
{
    public static ShiftRow Of(Shift shift, string timeZone)
    {
        var yours = string.Empty;
        if (TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone)
            && TimeOnly.TryParse(shift.Start, System.Globalization.CultureInfo.InvariantCulture, out var start)
            && TimeOnly.TryParse(shift.End, System.Globalization.CultureInfo.InvariantCulture, out var end))
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTime.UtcNow, zone));
            string Local(TimeOnly at)
            {
                var deskTime = today.ToDateTime(at, DateTimeKind.Unspecified);
                return TimeZoneInfo.ConvertTime(new DateTimeOffset(deskTime, zone.GetUtcOffset(deskTime)), TimeZoneInfo.Local).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);
            }

            yours = $"{Local(start)}–{Local(end)}";
        }

        return new ShiftRow([.. shift.Days], $"{shift.Start}–{shift.End}", yours, shift.Primary, shift.Backup);
    }
}