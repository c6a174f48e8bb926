using System.Text;
using Google.Protobuf;
using Grpc.Core;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;

namespace LiaisonNet.Gateway.Api;

public sealed record ImportDto(string? Format, string? Content, bool DryRun);

public sealed record ImportErrorDto(int Line, string Field, string Message);

public sealed record ImportReportDto(int Rows, int Created, int Updated, bool Applied, IReadOnlyList<ImportErrorDto> Errors);

public sealed record AccountDto(string Id, string UserName, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Desks, bool Disabled, bool SecondFactorEnabled)
{
    public static AccountDto From(Account a) => new(a.Id, a.UserName, a.DisplayName, [.. a.Roles], [.. a.Desks], a.Disabled, a.SecondFactorEnabled);
}

public sealed record NewAccountDto(string? UserName, string? DisplayName, string? AccountId, IReadOnlyList<string>? Roles, IReadOnlyList<string>? Desks);

public sealed record CreatedAccountDto(AccountDto Account, string InitialPassword);

/// <summary>An officer as the administrator edits it; <c>Version</c> is what a save must still find stored.</summary>
public sealed record OfficerEditDto(string Id, string NativeName, string LatinName, IReadOnlyList<string> NameVariants, string Rank, string Posting, string Centre,
    string CrossingPoint, string Unit, IReadOnlyList<LanguageDto> Languages, IReadOnlyList<string> Specialities, IReadOnlyList<ContactDto> Contacts,
    RestrictedDto? Restricted, long Version)
{
    public static OfficerEditDto From(Officer o) => new(o.Summary.Id, o.Summary.DisplayName, o.Summary.LatinName,
        [.. o.NameVariants.Where(n => n != o.Summary.DisplayName && n != o.Summary.LatinName)], o.Summary.Rank, o.Summary.Posting, o.Summary.Centre,
        o.Summary.CrossingPoint, o.Summary.Unit, [.. o.LanguageSkills.Select(l => new LanguageDto(l.Language, l.Level))], [.. o.Specialities],
        [.. o.Contacts.Select(c => new ContactDto(c.Kind, c.Value))],
        o.Restricted is { } r ? new RestrictedDto(r.PersonalPhone, r.Clearance, r.HomeUnit) : null, o.Version);

    /// <summary>The officer as the directory takes it; a field the body left out is empty, for the directory to judge.</summary>
    public OfficerInput ToInput() => new()
    {
        Id = Id ?? string.Empty, NativeName = NativeName ?? string.Empty, LatinName = LatinName ?? string.Empty, NameVariants = { NameVariants ?? [] },
        Rank = Rank ?? string.Empty, Posting = Posting ?? string.Empty, Centre = Centre ?? string.Empty, CrossingPoint = CrossingPoint ?? string.Empty,
        Unit = Unit ?? string.Empty, Languages = { (Languages ?? []).Select(l => new LanguageSkill { Language = l.Language ?? string.Empty, Level = l.Level ?? string.Empty }) },
        Specialities = { Specialities ?? [] }, Contacts = { (Contacts ?? []).Select(c => new ContactChannel { Kind = c.Kind ?? string.Empty, Value = c.Value ?? string.Empty }) },
        Restricted = Restricted is { } r ? new RestrictedFields { PersonalPhone = r.PersonalPhone ?? string.Empty, Clearance = r.Clearance ?? string.Empty, HomeUnit = r.HomeUnit ?? string.Empty } : null,
    };
}

public sealed record ShiftDto(IReadOnlyList<string> Days, string Start, string End, string Primary, string? Backup);

/// <summary>A desk and its roster as the administrator edits them; <c>Version</c> is what a save must still find stored.</summary>
public sealed record DeskEditDto(string Id, string Name, string Agency, string Centre, string CrossingPoint, string TimeZone, IReadOnlyList<ShiftDto> Roster, string Supervisor,
    string EscalationDesk, IReadOnlyList<ContactDto> Contacts, long Version)
{
    public static DeskEditDto From(Desk d) => new(d.Id, d.Name, d.Agency, d.Centre, d.CrossingPoint, d.TimeZone,
        [.. d.Roster.Select(s => new ShiftDto([.. s.Days], s.Start, s.End, s.Primary, s.Backup.Length == 0 ? null : s.Backup))], d.Supervisor, d.EscalationDesk,
        [.. d.Contacts.Select(c => new ContactDto(c.Kind, c.Value))], d.Version);

    public DeskInput ToInput() => new()
    {
        Id = Id, Name = Name ?? string.Empty, Agency = Agency ?? string.Empty, Centre = Centre ?? string.Empty, CrossingPoint = CrossingPoint ?? string.Empty, TimeZone = TimeZone ?? string.Empty,
        Roster = { (Roster ?? []).Select(s => new Shift { Days = { s.Days ?? [] }, Start = s.Start ?? string.Empty, End = s.End ?? string.Empty, Primary = s.Primary ?? string.Empty, Backup = s.Backup ?? string.Empty }) },
        Supervisor = Supervisor ?? string.Empty, EscalationDesk = EscalationDesk ?? string.Empty,
        Contacts = { (Contacts ?? []).Select(c => new ContactChannel { Kind = c.Kind ?? string.Empty, Value = c.Value ?? string.Empty }) },
    };
}

public sealed record AccessDto(IReadOnlyList<string>? Roles, IReadOnlyList<string>? Desks);

public sealed record VersionDto(long Version, DateTimeOffset ChangedAt, string ChangedBy, string Before, string After);

/// <summary>The agency administrator's routes: officer files in and out, and the agency's accounts.</summary>
public static class AdminApi
{
    private static readonly AccessRule Administrators = AccessRule.Session(LiaisonRoles.AgencyAdmin, LiaisonRoles.SystemAdmin)
        .Checks("The directory and the identity server act on the administrator's own agency only.");

    public static void MapAdminApi(this RouteGroupBuilder api)
    {
        api.MapPost("/admin/officers/import", async (HttpContext context, DirectoryAdminService.DirectoryAdminServiceClient directory, ImportDto import) =>
        {
            var report = await directory.ImportOfficersAsync(new ImportOfficersRequest
            {
                Format = string.Equals(import.Format, "json", StringComparison.OrdinalIgnoreCase) ? DataFormat.Json : DataFormat.Csv,
                Content = ByteString.CopyFromUtf8(import.Content ?? string.Empty),
                DryRun = import.DryRun,
            }, await context.ForUserAsync(TimeSpan.FromSeconds(60)));
            return Results.Ok(new ImportReportDto(report.Rows, report.Created, report.Updated, report.Applied,
                [.. report.Errors.Select(e => new ImportErrorDto(e.Line, e.Field, e.Message))]));
        }).WithAccessRule(Administrators);

        api.MapGet("/admin/officers/export", async (HttpContext context, DirectoryAdminService.DirectoryAdminServiceClient directory, string? format) =>
        {
            var json = string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
            var file = await directory.ExportOfficersAsync(new ExportOfficersRequest { Format = json ? DataFormat.Json : DataFormat.Csv }, await context.ForUserAsync());
            return Results.File(file.Content.ToByteArray(), json ? "application/json" : "text/csv; charset=utf-8", json ? "officers.json" : "officers.csv");
        }).WithAccessRule(Administrators);

        api.MapGet("/admin/officers/{officerId}", async (HttpContext context, DirectoryService.DirectoryServiceClient directory, string officerId) =>
        {
            return Results.Ok(OfficerEditDto.From(await directory.GetOfficerAsync(new GetOfficerRequest { Id = officerId }, await context.ForUserAsync())));
        }).WithAccessRule(Administrators);

        api.MapPut("/admin/officers/{officerId}", async (HttpContext context, DirectoryAdminService.DirectoryAdminServiceClient directory, string officerId, OfficerEditDto officer) =>
        {
            var result = await directory.PutOfficerAsync(new PutOfficerRequest { Officer = (officer with { Id = officerId }).ToInput(), ExpectedVersion = officer.Version },
                await context.ForUserAsync());
            return Results.Ok(new { result.Id, result.Version });
        }).WithAccessRule(Administrators);

        api.MapGet("/admin/desks/{deskId}", async (HttpContext context, DirectoryService.DirectoryServiceClient directory, string deskId) =>
        {
            return Results.Ok(DeskEditDto.From(await directory.GetDeskAsync(new GetDeskRequest { Id = deskId }, await context.ForUserAsync())));
        }).WithAccessRule(Administrators);

        api.MapPut("/admin/desks/{deskId}", async (HttpContext context, DirectoryAdminService.DirectoryAdminServiceClient directory, string deskId, DeskEditDto desk) =>
        {
            var result = await directory.PutDeskAsync(new PutDeskRequest { Desk = (desk with { Id = deskId }).ToInput(), ExpectedVersion = desk.Version },
                await context.ForUserAsync());
            return Results.Ok(new { result.Id, result.Version });
        }).WithAccessRule(Administrators);

        api.MapGet("/admin/history/{entityType}/{id}", async (HttpContext context, DirectoryAdminService.DirectoryAdminServiceClient directory, string entityType, string id) =>
        {
            var history = await directory.GetHistoryAsync(new GetHistoryRequest { EntityType = entityType, Id = id }, await context.ForUserAsync());
            return Results.Ok(history.Versions.Select(v => new VersionDto(v.Version, v.ChangedAt.ToDateTimeOffset(), v.ChangedBy, v.Before, v.After)).ToList());
        }).WithAccessRule(Administrators);

        api.MapGet("/admin/accounts", async (HttpContext context, AccountAdminService.AccountAdminServiceClient accounts) =>
        {
            var page = await accounts.ListAccountsAsync(new ListAccountsRequest { PageSize = 200 }, await context.ForUserAsync());
            return Results.Ok(page.Accounts.Select(AccountDto.From).ToList());
        }).WithAccessRule(Administrators);

        api.MapPost("/admin/accounts", async (HttpContext context, AccountAdminService.AccountAdminServiceClient accounts, NewAccountDto account) =>
        {
            var created = await accounts.CreateAccountAsync(new CreateAccountRequest
            {
                UserName = account.UserName ?? string.Empty, DisplayName = account.DisplayName ?? string.Empty, AccountId = account.AccountId ?? string.Empty,
                Roles = { account.Roles ?? [] }, Desks = { account.Desks ?? [] },
            }, await context.ForUserAsync());
            return Results.Ok(new CreatedAccountDto(AccountDto.From(created.Account), created.InitialPassword));
        }).WithAccessRule(Administrators);

        api.MapPut("/admin/accounts/{accountId}/access", async (HttpContext context, AccountAdminService.AccountAdminServiceClient accounts, string accountId, AccessDto access) =>
        {
            var account = await accounts.SetAccessAsync(new SetAccessRequest { AccountId = accountId, Roles = { access.Roles ?? [] }, Desks = { access.Desks ?? [] } },
                await context.ForUserAsync());
            return Results.Ok(AccountDto.From(account));
        }).WithAccessRule(Administrators);

        api.MapPost("/admin/accounts/{accountId}/{action}", async (HttpContext context, AccountAdminService.AccountAdminServiceClient accounts, string accountId, string action) =>
        {
            var target = new AccountRef { AccountId = accountId };
            var options = await context.ForUserAsync();
            var account = action switch
            {
                "disable" => await accounts.DisableAccountAsync(target, options),
                "enable" => await accounts.EnableAccountAsync(target, options),
                "reset-second-factor" => await accounts.ResetSecondFactorAsync(target, options),
                _ => null,
            };
            return account is null
                ? Results.Problem("disable, enable or reset-second-factor.", statusCode: StatusCodes.Status404NotFound, title: "No such action.")
                : Results.Ok(AccountDto.From(account));
        }).WithAccessRule(Administrators);
    }
}
