using System.CommandLine;
using System.Globalization;
using LiaisonNet.Cli.Output;
using LiaisonNet.Protos.Directory.V1;

namespace LiaisonNet.Cli.Commands;

/// <summary><c>search</c>, <c>officer</c>, <c>desks</c>, <c>desk</c>.</summary>
public static class DirectoryCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var text = new Argument<string>("text") { Description = "A name in any script or romanisation (Ходжаев, Khodjaev, Xo'jayev), 2 to 200 characters." };
        var country = new Option<string?>("--country") { Description = "ISO country code (KZ, UZ, ...)." };
        var agency = new Option<string?>("--agency") { Description = "Agency code (KZ-BS, UZ-CUS, ...)." };
        var speciality = new Option<string?>("--speciality") { Description = "A speciality (customs fraud, migration, ...)." };
        var language = new Option<string?>("--language") { Description = "An ISO 639-1 language the officer speaks." };
        var onDuty = new Option<bool>("--on-duty") { Description = "Only officers on duty now." };
        var search = new Command("search", "Find officers across scripts and spellings.\n  Example: liaison search Khodzhaev --country UZ") { text, country, agency, speciality, language, onDuty };
        context.Online(search, async (parse, printer, connection, cancellation) =>
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
        });
        root.Subcommands.Add(search);

        var officerId = new Argument<string>("id") { Description = "The officer's id (see liaison search)." };
        var officer = new Command("officer", "One officer: names in every spelling, languages, specialities, how to reach them.\n  Example: liaison officer uz-cus-khodjaev") { officerId };
        context.Online(officer, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var found = OfficerCard.Of(await client.Directory.GetOfficerAsync(new GetOfficerRequest { Id = parse.GetValue(officerId) ?? string.Empty }, cancellationToken: cancellation));
            printer.Record(found, [("officer", $"{found.Id}: {found.Name}"), ("latin", found.LatinName), ("also seen as", string.Join(", ", found.NameVariants)),
                ("rank", found.Rank), ("agency", $"{found.AgencyName} ({found.Agency}, {found.Country})"), ("posting", found.Posting), ("unit", found.Unit),
                ("languages", string.Join(", ", found.Languages)), ("specialities", string.Join(", ", found.Specialities)),
                ("contacts", string.Join("; ", found.Contacts.Select(c => $"{c.Kind} {c.Value}"))), ("on duty at", string.Join(", ", found.OnDutyAt)),
                ("clearance", found.Clearance), ("personal phone", found.PersonalPhone), ("home unit", found.HomeUnit)]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(officer);

        var deskAgency = new Option<string?>("--agency") { Description = "Only desks of this agency (KZ-BS, ...)." };
        var deskCountry = new Option<string?>("--country") { Description = "Only desks of this country (KZ, ...)." };
        var desks = new Command("desks", "Duty desks and who is on duty at each now.\n  Example: liaison desks --country KZ") { deskAgency, deskCountry };
        context.Online(desks, async (parse, printer, connection, cancellation) =>
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
        });
        root.Subcommands.Add(desks);

        var deskId = new Argument<string>("id") { Description = "The desk's id (see liaison desks)." };
        var desk = new Command("desk", "One desk: who is on duty now, and its roster in the desk's time zone and yours.\n  Example: liaison desk kz-bs-khorgos-desk") { deskId };
        context.Online(desk, async (parse, printer, connection, cancellation) =>
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
        });
        root.Subcommands.Add(desk);
    }
}

/// <summary>An officer as <c>liaison search</c> lists it; the JSON field names are part of the tool's contract.</summary>
public sealed record OfficerRow(string Id, string Name, string LatinName, string Rank, string Country, string Agency, string Posting, IReadOnlyList<string> Languages,
    IReadOnlyList<string> OnDutyAt)
{
    public static OfficerRow Of(OfficerSummary o) =>
        new(o.Id, o.DisplayName, o.LatinName, o.Rank, o.Country, o.Agency, o.Posting, [.. o.Languages], [.. o.OnDutyAt]);
}

/// <summary>A way to reach an officer.</summary>
public sealed record ContactRow(string Kind, string Value);

/// <summary>One officer as <c>liaison officer</c> shows it; restricted fields are empty unless the caller may see them.</summary>
public sealed record OfficerCard(string Id, string Name, string LatinName, IReadOnlyList<string> NameVariants, string Rank, string Country, string Agency, string AgencyName,
    string Posting, string Unit, IReadOnlyList<string> Languages, IReadOnlyList<string> Specialities, IReadOnlyList<ContactRow> Contacts, IReadOnlyList<string> OnDutyAt,
    string Clearance, string PersonalPhone, string HomeUnit)
{
    public static OfficerCard Of(Officer o)
    {
        var s = o.Summary ?? new OfficerSummary();
        return new(s.Id, s.DisplayName, s.LatinName, [.. o.NameVariants], s.Rank, s.Country, s.Agency, s.AgencyName, s.Posting, s.UnitName,
            o.LanguageSkills.Count > 0 ? [.. o.LanguageSkills.Select(l => $"{l.Language} ({l.Level})")] : [.. s.Languages], [.. o.Specialities],
            [.. o.Contacts.Select(c => new ContactRow(c.Kind, c.Value))], [.. s.OnDutyAt],
            o.Restricted?.Clearance ?? string.Empty, o.Restricted?.PersonalPhone ?? string.Empty, o.Restricted?.HomeUnit ?? string.Empty);
    }
}

/// <summary>A desk as <c>liaison desks</c> and <c>liaison desk</c> show it.</summary>
public sealed record DeskRow(string Id, string Name, string Agency, string Country, string TimeZone, string LocalTime, string OnDuty, string Backup, string Next)
{
    public static DeskRow Of(Desk d) => new(d.Id, d.Name, d.Agency, d.Country, d.TimeZone, d.OnDuty?.LocalTime ?? string.Empty,
        Who(d.OnDuty?.Primary), Who(d.OnDuty?.Backup),
        d.OnDuty?.NextPrimary is { } next && d.OnDuty.NextStarts is { } starts
            ? $"{Who(next)} from {Times.Brief(starts.ToDateTimeOffset())} your time"
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
            && TimeOnly.TryParse(shift.Start, CultureInfo.InvariantCulture, out var start)
            && TimeOnly.TryParse(shift.End, CultureInfo.InvariantCulture, out var end))
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTime.UtcNow, zone));
            string Local(TimeOnly at)
            {
                var deskTime = today.ToDateTime(at, DateTimeKind.Unspecified);
                return TimeZoneInfo.ConvertTime(new DateTimeOffset(deskTime, zone.GetUtcOffset(deskTime)), TimeZoneInfo.Local).ToString("HH:mm", CultureInfo.InvariantCulture);
            }

            yours = $"{Local(start)}–{Local(end)}";
        }

        return new ShiftRow([.. shift.Days], $"{shift.Start}–{shift.End}", yours, shift.Primary, shift.Backup);
    }
}
