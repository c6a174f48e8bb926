using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiaisonNet.Directory.Accounts;
using LiaisonNet.Directory.Admin;
using LiaisonNet.Directory.Model;
using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Storage;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Security;

namespace LiaisonNet.Directory.Grpc;

/// <summary>
/// Agency administrators keep their own agency's officers and desks; system administrators any agency's. Every change is
/// versioned and audited; an import applies all its rows or none.
/// </summary>
public sealed class DirectoryAdminGrpcService(DirectoryIndex index, DirectoryStore store, AccountOwners accounts) : DirectoryAdminService.DirectoryAdminServiceBase
{
    private const int MaxImportRows = 10_000;
    private const int MaxReportedErrors = 1_000;

    public override async Task<PutResult> PutOfficer(PutOfficerRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        var input = request.Officer ?? throw RpcErrors.InvalidArgument("officer", "Required.");
        var agency = AgencyFor(caller, input.Agency);
        var officer = FromInput(input, agency);
        var violations = new FieldViolations().Require(request.ExpectedVersion >= 0, "expected_version", "0 to create, else the version you read.");
        foreach (var problem in EntryRules.Check(officer, index))
        {
            violations.Add(problem.Field == "id" ? "officer.id" : $"officer.{problem.Field}", problem.Message);
        }

        violations.ThrowIfAny();
        EnsureOwned(caller, index.Find(officer.Id)?.Agency, officer.Id);
        foreach (var (_, problem) in await accounts.ConflictsAsync([(officer.Id, officer.Agency)], context.CancellationToken))
        {
            violations.Add("officer.id", problem.Message);
        }

        violations.ThrowIfAny();
        var versions = await ApplyAsync(() => store.ChangeOfficersAsync([new Change<OfficerRecord>(officer.Id, officer, request.ExpectedVersion)], caller.Id, caller.Agency, null, context.CancellationToken));
        return new PutResult { Id = officer.Id, Version = versions[0] };
    }

    public override async Task<PutResult> DeleteOfficer(DeleteRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        var officer = index.Find(request.Id) ?? throw RpcErrors.NotFound($"No officer {RpcErrors.Quote(request.Id)}.");
        EnsureOwned(caller, officer.Agency, officer.Id);
        if (index.Desks.FirstOrDefault(d => d.Supervisor == officer.Id || d.Roster.Any(s => s.Primary == officer.Id || s.Backup == officer.Id)) is { } desk)
        {
            throw RpcErrors.FailedPrecondition($"{RpcErrors.Quote(officer.Id)} is on the roster of desk {RpcErrors.Quote(desk.Id)}; change the roster first.");
        }

        var versions = await ApplyAsync(() => store.ChangeOfficersAsync([new Change<OfficerRecord>(officer.Id, null, request.ExpectedVersion)], caller.Id, caller.Agency, null, context.CancellationToken));
        return new PutResult { Id = officer.Id, Version = versions[0] };
    }

    public override async Task<PutResult> PutDesk(PutDeskRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        var input = request.Desk ?? throw RpcErrors.InvalidArgument("desk", "Required.");
        var agency = AgencyFor(caller, input.Agency);
        var desk = new DeskRecord
        {
            Id = input.Id,
            Name = input.Name.Trim(),
            Agency = agency,
            Country = index.FindAgency(agency)?.Country ?? string.Empty,
            Centre = NullIfEmpty(input.Centre),
            CrossingPoint = NullIfEmpty(input.CrossingPoint),
            TimeZone = input.TimeZone,
            Roster = [.. input.Roster.Select(s => new ShiftRecord([.. s.Days], s.Start, s.End, s.Primary, NullIfEmpty(s.Backup)))],
            Supervisor = NullIfEmpty(input.Supervisor),
            EscalationDesk = NullIfEmpty(input.EscalationDesk),
            Contacts = [.. input.Contacts.Select(c => new Contact(c.Kind, c.Value))],
        };
        var violations = new FieldViolations().Require(request.ExpectedVersion >= 0, "expected_version", "0 to create, else the version you read.");
        foreach (var problem in EntryRules.Check(desk, index, index.Find))
        {
            violations.Add($"desk.{problem.Field}", problem.Message);
        }

        violations.ThrowIfAny();
        EnsureOwned(caller, index.FindDesk(desk.Id)?.Agency, desk.Id);
        var versions = await ApplyAsync(() => store.ChangeDesksAsync([new Change<DeskRecord>(desk.Id, desk, request.ExpectedVersion)], caller.Id, caller.Agency, context.CancellationToken));
        return new PutResult { Id = desk.Id, Version = versions[0] };
    }

    public override async Task<PutResult> PutSender(PutSenderRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        var input = request.Sender ?? throw RpcErrors.InvalidArgument("sender", "Required.");
        var agency = AgencyFor(caller, input.Agency);
        var sender = new SenderRecord
        {
            Id = input.Id, Name = input.Name.Trim(), Agency = agency, Country = index.FindAgency(agency)?.Country ?? string.Empty, Description = input.Description.Trim(),
        };
        var violations = new FieldViolations().Require(request.ExpectedVersion >= 0, "expected_version", "0 to create, else the version you read.");
        foreach (var problem in EntryRules.Check(sender, index))
        {
            violations.Add($"sender.{problem.Field}", problem.Message);
        }

        violations.ThrowIfAny();
        EnsureOwned(caller, index.FindSender(sender.Id)?.Agency, sender.Id);
        foreach (var (_, problem) in await accounts.ConflictsAsync([(sender.Id, sender.Agency)], context.CancellationToken))
        {
            violations.Add("sender.id", problem.Message);
        }

        violations.ThrowIfAny();
        var versions = await ApplyAsync(() => store.ChangeSendersAsync([new Change<SenderRecord>(sender.Id, sender, request.ExpectedVersion)], caller.Id, caller.Agency, context.CancellationToken));
        return new PutResult { Id = sender.Id, Version = versions[0] };
    }

    public override async Task<PutResult> DeleteSender(DeleteRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        var sender = index.FindSender(request.Id) ?? throw RpcErrors.NotFound($"No sender {RpcErrors.Quote(request.Id)}.");
        EnsureOwned(caller, sender.Agency, sender.Id);
        var versions = await ApplyAsync(() => store.ChangeSendersAsync([new Change<SenderRecord>(sender.Id, null, request.ExpectedVersion)], caller.Id, caller.Agency, context.CancellationToken));
        return new PutResult { Id = sender.Id, Version = versions[0] };
    }

    public override async Task<PutResult> DeleteDesk(DeleteRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        var desk = index.FindDesk(request.Id) ?? throw RpcErrors.NotFound($"No desk {RpcErrors.Quote(request.Id)}.");
        EnsureOwned(caller, desk.Agency, desk.Id);
        var versions = await ApplyAsync(() => store.ChangeDesksAsync([new Change<DeskRecord>(desk.Id, null, request.ExpectedVersion)], caller.Id, caller.Agency, context.CancellationToken));
        return new PutResult { Id = desk.Id, Version = versions[0] };
    }

    public override async Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        new FieldViolations()
            .Require(request.EntityType is EntityTypes.Officer or EntityTypes.Desk or EntityTypes.Sender, "entity_type", "officer, desk or sender.")
            .Require(request.Id.Length is > 0 and <= 100, "id", "Required.")
            .ThrowIfAny();
        var versions = await store.HistoryAsync(request.EntityType, request.Id, context.CancellationToken);
        if (versions.Count == 0)
        {
            throw RpcErrors.NotFound($"No history for {request.EntityType} {RpcErrors.Quote(request.Id)}.");
        }

        // Whose entry it is (or was): the agency in its latest document.
        var latest = versions[0].After ?? versions[0].Before!;
        var agency = JsonDocument.Parse(latest).RootElement.GetProperty("agency").GetString();
        EnsureOwned(caller, agency, request.Id);
        return new GetHistoryResponse
        {
            Versions =
            {
                versions.Select(v => new Protos.Directory.V1.EntryVersion
                {
                    Version = v.Version, ChangedAt = Timestamp.FromDateTimeOffset(v.ChangedAt), ChangedBy = v.ChangedBy, Before = v.Before ?? string.Empty, After = v.After ?? string.Empty,
                }),
            },
        };
    }

    public override async Task<ImportOfficersResponse> ImportOfficers(ImportOfficersRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        new FieldViolations()
            .Require(request.Format is DataFormat.Csv or DataFormat.Json, "format", "CSV or JSON.")
            .Require(request.Content.Length > 0, "content", "The file is empty.")
            .ThrowIfAny();
        var agency = index.FindAgency(caller.Agency) ?? throw RpcErrors.FailedPrecondition($"Your agency '{caller.Agency}' is not in the directory.");
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(request.Content.Span);
        }
        catch (DecoderFallbackException)
        {
            throw RpcErrors.InvalidArgument("content", "Not UTF-8 text.");
        }

        var rows = request.Format == DataFormat.Csv
            ? OfficerFile.ReadCsv(text.TrimStart('\uFEFF'), agency.Code, agency.Name, agency.Country)
            : OfficerFile.ReadJson(text, agency.Code, agency.Name, agency.Country);
        var response = new ImportOfficersResponse { Rows = rows.Count(r => r.Officer is not null) };
        if (rows.Count > MaxImportRows)
        {
            response.Errors.Add(new ImportError { Line = 1, Field = "file", Message = $"{rows.Count} rows; at most {MaxImportRows} per import." });
            return response;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var changes = new List<Change<OfficerRecord>>();
        foreach (var row in rows)
        {
            var problems = row.Problems.ToList();
            if (row.Officer is { } officer)
            {
                problems.AddRange(EntryRules.Check(officer, index));
                if (seen.TryGetValue(officer.Id, out var firstLine))
                {
                    problems.Add(new FieldProblem("id", $"Also on line {firstLine}."));
                }
                else if (officer.Id.Length > 0)
                {
                    seen[officer.Id] = row.Line;
                }

                var existing = index.Find(officer.Id);
                if (existing is not null && existing.Agency != agency.Code)
                {
                    problems.Add(new FieldProblem("id", $"{RpcErrors.Quote(officer.Id)} belongs to another agency."));
                }

                if (existing is null)
                {
                    response.Created++;
                }
                else
                {
                    response.Updated++;
                }

                changes.Add(new Change<OfficerRecord>(officer.Id, officer, existing?.Version ?? 0));
            }

            foreach (var problem in problems.Take(MaxReportedErrors - response.Errors.Count))
            {
                response.Errors.Add(new ImportError { Line = row.Line, Field = problem.Field, Message = problem.Message });
            }
        }

        if (response.Errors.Count == 0)
        {
            var lines = rows.Where(r => r.Officer is not null).ToDictionary(r => r.Officer!.Id, r => r.Line, StringComparer.Ordinal);
            foreach (var (id, problem) in await accounts.ConflictsAsync([.. changes.Select(c => (c.Id, c.After!.Agency))], context.CancellationToken))
            {
                response.Errors.Add(new ImportError { Line = lines[id], Field = problem.Field, Message = problem.Message });
            }
        }

        if (response.Errors.Count > 0 || request.DryRun || changes.Count == 0)
        {
            return response;
        }

        var batch = $"import-{Guid.CreateVersion7()}";
        await ApplyAsync(() => store.ChangeOfficersAsync(changes, caller.Id, caller.Agency, batch, context.CancellationToken));
        response.Applied = true;
        return response;
    }

    public override async Task<ExportOfficersResponse> ExportOfficers(ExportOfficersRequest request, ServerCallContext context)
    {
        var caller = Caller(context);
        new FieldViolations().Require(request.Format is DataFormat.Csv or DataFormat.Json, "format", "CSV or JSON.").ThrowIfAny();
        var officers = index.Officers.Where(o => o.Agency == caller.Agency).OrderBy(o => o.Id, StringComparer.Ordinal).ToList();
        var text = request.Format == DataFormat.Csv ? OfficerFile.WriteCsv(officers) : OfficerFile.WriteJson(officers);
        await store.RecordAsync(store.Event("directory.exported", caller.Id, "agency", caller.Agency, text, caller.Agency), context.CancellationToken);
        return new ExportOfficersResponse { Content = ByteString.CopyFromUtf8(text), Rows = officers.Count };
    }

    private static async Task<IReadOnlyList<long>> ApplyAsync(Func<Task<IReadOnlyList<long>>> apply)
    {
        try
        {
            return await apply();
        }
        catch (VersionConflictException ex)
        {
            throw new RpcException(new Status(StatusCode.Aborted, ex.Message));
        }
    }

    private sealed record AdminCaller(string Id, string Agency, bool IsSystemAdmin);

    private static AdminCaller Caller(ServerCallContext context)
    {
        var principal = context.GetHttpContext().User;
        var isSystemAdmin = principal.HasRole(LiaisonRoles.SystemAdmin);
        if (principal.IsServiceClient() || (!isSystemAdmin && !principal.HasRole(LiaisonRoles.AgencyAdmin)) || principal.Agency() is not { Length: > 0 } agency)
        {
            throw RpcErrors.PermissionDenied("Only agency and system administrators change the directory.");
        }

        return new AdminCaller(principal.SubjectId(), agency, isSystemAdmin);
    }

    /// <summary>The agency an entry is written for: the caller's own, or any for a system administrator.</summary>
    private static string AgencyFor(AdminCaller caller, string requested)
    {
        if (requested.Length == 0 || requested == caller.Agency)
        {
            return caller.Agency;
        }

        return caller.IsSystemAdmin
            ? requested
            : throw RpcErrors.PermissionDenied($"You administer {caller.Agency} entries only, not {RpcErrors.Quote(requested)}.");
    }

    private static void EnsureOwned(AdminCaller caller, string? ownerAgency, string id)
    {
        if (ownerAgency is not null && ownerAgency != caller.Agency && !caller.IsSystemAdmin)
        {
            throw RpcErrors.PermissionDenied($"{RpcErrors.Quote(id)} belongs to {ownerAgency}; only its own administrators change it.");
        }
    }

    private OfficerRecord FromInput(OfficerInput input, string agency)
    {
        var known = index.FindAgency(agency);
        return new OfficerRecord
        {
            Id = input.Id,
            NativeName = input.NativeName.Trim(),
            LatinName = input.LatinName.Trim(),
            Variants = [.. input.NameVariants.Select(v => v.Trim())],
            Rank = input.Rank.Trim(),
            Country = known?.Country ?? string.Empty,
            Agency = agency,
            AgencyName = known?.Name ?? string.Empty,
            Posting = input.Posting.Trim(),
            Centre = NullIfEmpty(input.Centre),
            CrossingPoint = NullIfEmpty(input.CrossingPoint),
            Unit = NullIfEmpty(input.Unit),
            Languages = [.. input.Languages.Select(l => new Model.LanguageSkill(l.Language, l.Level))],
            Specialities = [.. input.Specialities.Select(s => s.Trim())],
            Contacts = [.. input.Contacts.Select(c => new Contact(c.Kind, c.Value.Trim()))],
            RestrictedFields = input.Restricted is { } r ? new Restricted(r.PersonalPhone, r.Clearance, r.HomeUnit) : null,
        };
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
