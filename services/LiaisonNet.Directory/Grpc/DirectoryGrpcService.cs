using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiaisonNet.Directory.Duty;
using LiaisonNet.Directory.Model;
using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Storage;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Security;
using NodaTime;

namespace LiaisonNet.Directory.Grpc;

/// <summary>Searches and look-ups for every signed-in officer and service; restricted fields only where the caller may see them.</summary>
public sealed class DirectoryGrpcService(DirectoryIndex index, DirectoryStore store, SearchRateLimiter limiter, IClock clock) : DirectoryService.DirectoryServiceBase
{
    private const int MaxPageSize = 50;

    /// <summary>No query pages deeper than this: the directory is for finding counterparts, not for copying.</summary>
    public const int MaxResults = 500;

    public override async Task<SearchOfficersResponse> SearchOfficers(SearchOfficersRequest request, ServerCallContext context)
    {
        var pageSize = request.PageSize == 0 ? 20 : request.PageSize;
        var violations = new FieldViolations()
            .Require(request.Query.Trim().Length is >= 2 and <= 200, "query", "2 to 200 characters.")
            .Require(pageSize is > 0 and <= MaxPageSize, "page_size", $"1 to {MaxPageSize}.")
            .Require(request.Country.Length is 0 or 2, "country", "An ISO 3166-1 alpha-2 code.")
            .Require(request.Agency.Length <= 50 && request.Centre.Length <= 64 && request.CrossingPoint.Length <= 64, "agency", "Agency, centre and crossing point codes are short.")
            .Require(request.Speciality.Length <= 100, "speciality", "At most 100 characters.")
            .Require(request.Language.Length is 0 or 2, "language", "An ISO 639-1 code.");
        var fingerprint = Fingerprint(request);
        var offset = 0;
        violations.Require(request.PageToken.Length == 0 || TryReadToken(request.PageToken, fingerprint, out offset), "page_token",
            "Not a token this service issued for this query; start again without it.");
        violations.ThrowIfAny();
        await ThrottleAsync(context);

        var viewer = Viewer(context);
        var filter = new SearchFilter(
            NullIfEmpty(request.Country.ToUpperInvariant()), NullIfEmpty(request.Agency), NullIfEmpty(request.Centre), NullIfEmpty(request.CrossingPoint),
            NullIfEmpty(request.Speciality), NullIfEmpty(request.Language.ToLowerInvariant()), request.OnDutyNow, request.OnDutyFirst,
            ViewerCountry: viewer);
        var now = clock.GetCurrentInstant();
        var hits = index.Search(request.Query, filter, now, Math.Min(offset + pageSize + 1, MaxResults));
        var response = new SearchOfficersResponse();
        foreach (var hit in hits.Skip(offset).Take(pageSize))
        {
            var summary = Summary(hit.Officer, now, viewer);
            summary.MatchedOn = hit.Quality switch
            {
                MatchQuality.Exact => MatchKind.Exact,
                MatchQuality.Variant => MatchKind.Variant,
                _ => MatchKind.Fuzzy,
            };
            response.Officers.Add(summary);
        }

        if (hits.Count > offset + pageSize && offset + pageSize < MaxResults)
        {
            response.NextPageToken = WriteToken(offset + pageSize, fingerprint);
        }

        return response;
    }

    public override async Task<Officer> GetOfficer(GetOfficerRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.Id.Length is > 0 and <= 100, "id", "Required, at most 100 characters.").ThrowIfAny();
        var officer = index.Find(request.Id) ?? throw RpcErrors.NotFound($"No officer {RpcErrors.Quote(request.Id)}.");
        var caller = context.GetHttpContext().User;
        var result = new Officer
        {
            Summary = Summary(officer, clock.GetCurrentInstant(), Viewer(context)),
            NameVariants = { officer.AllNames },
            Specialities = { officer.Specialities },
            Contacts = { officer.Contacts.Select(c => new ContactChannel { Kind = c.Kind, Value = c.Value }) },
            LanguageSkills = { officer.Languages.Select(l => new Protos.Directory.V1.LanguageSkill { Language = l.Language, Level = l.Level }) },
            Version = officer.Version,
        };
        result.Summary.MatchedOn = MatchKind.Exact;

        if (Visible(officer, caller) is { } restricted)
        {
            result.Restricted = restricted;
            // Who looked at whose restricted fields is itself on the record.
            await store.RecordAsync(store.Event("directory.restricted_viewed", caller.SubjectId(), EntityTypes.Officer, officer.Id, officer.Id, officer.Agency, caller.Agency()),
                context.CancellationToken);
        }

        return result;
    }

    public override Task<Protos.Directory.V1.Desk> GetDesk(GetDeskRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.Id.Length is > 0 and <= 100, "id", "Required, at most 100 characters.").ThrowIfAny();
        var desk = index.FindDesk(request.Id) ?? throw RpcErrors.NotFound($"No desk {RpcErrors.Quote(request.Id)}.");
        return Task.FromResult(ToDesk(desk, clock.GetCurrentInstant(), Viewer(context)));
    }

    public override Task<ListDesksResponse> ListDesks(ListDesksRequest request, ServerCallContext context)
    {
        var pageSize = request.PageSize == 0 ? 50 : request.PageSize;
        var offset = 0;
        new FieldViolations()
            .Require(pageSize is > 0 and <= 100, "page_size", "1 to 100.")
            .Require(request.PageToken.Length == 0 || (int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset) && offset < 100_000),
                "page_token", "Not a token this service issued.")
            .Require(request.Country.Length is 0 or 2, "country", "An ISO 3166-1 alpha-2 code.")
            .ThrowIfAny();
        var now = clock.GetCurrentInstant();
        var desks = index.Desks
            .Where(d => request.Centre.Length == 0 || d.Centre == request.Centre)
            .Where(d => request.CrossingPoint.Length == 0 || d.CrossingPoint == request.CrossingPoint)
            .Where(d => request.Agency.Length == 0 || d.Agency == request.Agency)
            .Where(d => request.Country.Length == 0 || string.Equals(d.Country, request.Country, StringComparison.OrdinalIgnoreCase))
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .Skip(offset).Take(pageSize + 1).ToList();
        var viewer = Viewer(context);
        var response = new ListDesksResponse { Desks = { desks.Take(pageSize).Select(d => ToDesk(d, now, viewer)) } };
        if (desks.Count > pageSize)
        {
            response.NextPageToken = (offset + pageSize).ToString(CultureInfo.InvariantCulture);
        }

        return Task.FromResult(response);
    }

    public override Task<ListPlacesResponse> ListPlaces(ListPlacesRequest request, ServerCallContext context)
    {
        new FieldViolations()
            .Require(request.Kind is "" or "centre" or "crossing-point", "kind", "centre, crossing-point, or empty for both.")
            .Require(request.Country.Length is 0 or 2, "country", "An ISO 3166-1 alpha-2 code.")
            .ThrowIfAny();
        var places = index.Places
            .Where(p => request.Kind.Length == 0 || (request.Kind == "centre" ? PlaceKinds.IsCentre(p.Kind) : p.Kind == PlaceKinds.CrossingPoint))
            .Where(p => request.Country.Length == 0 || p.Countries.Contains(request.Country, StringComparer.OrdinalIgnoreCase));
        return Task.FromResult(new ListPlacesResponse
        {
            Places = { places.Select(p => new Protos.Directory.V1.Place { Id = p.Id, Kind = p.Kind, Name = p.Name, NameVariants = { p.NameVariants }, Countries = { p.Countries }, TimeZone = p.TimeZone }) },
        });
    }

    public override Task<Protos.Directory.V1.DistributionList> GetDistributionList(GetDistributionListRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.Id.Length is > 0 and <= 100, "id", "Required.").ThrowIfAny();
        var list = Seed.DemoDirectory.DistributionLists.FirstOrDefault(l => l.Id == request.Id) ?? throw RpcErrors.NotFound($"No distribution list {RpcErrors.Quote(request.Id)}.");
        return Task.FromResult(new Protos.Directory.V1.DistributionList { Id = list.Id, Name = list.Name, Desks = { list.Desks } });
    }

    public override Task<ListDistributionListsResponse> ListDistributionLists(ListDistributionListsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListDistributionListsResponse
        {
            Lists = { Seed.DemoDirectory.DistributionLists.Select(l => new Protos.Directory.V1.DistributionList { Id = l.Id, Name = l.Name, Desks = { l.Desks } }) },
        });

    public override Task<SenderEntry> GetSender(GetSenderRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.Id.Length is > 0 and <= 100, "id", "Required, at most 100 characters.").ThrowIfAny();
        var sender = index.FindSender(request.Id) ?? throw RpcErrors.NotFound($"No sender {RpcErrors.Quote(request.Id)}.");
        return Task.FromResult(new SenderEntry
        {
            Id = sender.Id, Name = sender.Name, Agency = sender.Agency, Country = sender.Country, Description = sender.Description, Version = sender.Version,
        });
    }

    public override Task<ListUnitsResponse> ListUnits(ListUnitsRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.Agency.Length is > 0 and <= 50, "agency", "An agency code, for example KZ-BS.").ThrowIfAny();
        return Task.FromResult(new ListUnitsResponse
        {
            Units = { index.Units.Where(u => u.Agency == request.Agency).Select(u => new Protos.Directory.V1.Unit { Id = u.Id, Agency = u.Agency, Name = u.Name, NativeName = u.NativeName }) },
        });
    }

    /// <summary>
    /// The restricted fields the caller may see: personal phone and clearance inside the officer's agency, home unit inside
    /// their country; null when none. Services (client credentials) see none.
    /// </summary>
    public static RestrictedFields? Visible(OfficerRecord officer, ClaimsPrincipal caller)
    {
        if (officer.RestrictedFields is not { } restricted || caller.IsServiceClient())
        {
            return null;
        }

        var sameAgency = caller.Agency() == officer.Agency;
        var sameCountry = caller.Country() == officer.Country;
        if (!sameAgency && !sameCountry)
        {
            return null;
        }

        return new RestrictedFields
        {
            PersonalPhone = sameAgency ? restricted.PersonalPhone : string.Empty,
            Clearance = sameAgency ? restricted.Clearance : string.Empty,
            HomeUnit = restricted.HomeUnit,
        };
    }

    /// <summary>The country of who is looking, which decides what restricted to an officer's country they see; none for a service.</summary>
    private static string? Viewer(ServerCallContext context)
    {
        var caller = context.GetHttpContext().User;
        return caller.IsServiceClient() ? null : caller.Country();
    }

    /// <summary>The public summary; the unit (the officer's home unit) only for a viewer of the officer's country.</summary>
    private OfficerSummary Summary(OfficerRecord officer, Instant now, string? viewer)
    {
        var unit = viewer is not null && viewer == officer.Country ? officer.Unit : null;
        return new OfficerSummary
        {
            Id = officer.Id,
            DisplayName = officer.NativeName,
            LatinName = officer.LatinName,
            Rank = officer.Rank,
            Country = officer.Country,
            Agency = officer.Agency,
            AgencyName = officer.AgencyName,
            Posting = officer.Posting,
            Languages = { officer.Languages.Select(l => l.Language) },
            Centre = officer.Centre ?? string.Empty,
            CrossingPoint = officer.CrossingPoint ?? string.Empty,
            Unit = unit ?? string.Empty,
            UnitName = unit is not null ? index.FindUnit(unit)?.Name ?? string.Empty : string.Empty,
            OnDutyAt = { index.OnDutyAt(officer.Id, now) },
        };
    }

    private Protos.Directory.V1.Desk ToDesk(DeskRecord desk, Instant now, string? viewer)
    {
        var result = new Protos.Directory.V1.Desk
        {
            Id = desk.Id,
            Name = desk.Name,
            Agency = desk.Agency,
            Country = desk.Country,
            Centre = desk.Centre ?? string.Empty,
            CrossingPoint = desk.CrossingPoint ?? string.Empty,
            TimeZone = desk.TimeZone,
            Roster = { desk.Roster.Select(s => new Shift { Days = { s.Days }, Start = s.Start, End = s.End, Primary = s.Primary, Backup = s.Backup ?? string.Empty }) },
            Supervisor = desk.Supervisor ?? string.Empty,
            EscalationDesk = desk.EscalationDesk ?? string.Empty,
            Version = desk.Version,
            Contacts = { desk.Contacts.Select(c => new ContactChannel { Kind = c.Kind, Value = c.Value }) },
            OnDuty = new OnDuty(),
        };
        var zone = DateTimeZoneProviders.Tzdb[desk.TimeZone];
        result.OnDuty.LocalTime = RosterClock.Format(now.InZone(zone));
        if (RosterClock.OnDuty(desk, now) is { } duty)
        {
            result.OnDuty.ShiftStarted = Timestamp.FromDateTimeOffset(duty.Started.ToDateTimeOffset());
            result.OnDuty.ShiftEnds = Timestamp.FromDateTimeOffset(duty.Ends.ToDateTimeOffset());
            if (index.Find(duty.Shift.Primary) is { } primary)
            {
                result.OnDuty.Primary = Summary(primary, now, viewer);
            }

            if (duty.Shift.Backup is { } backupId && index.Find(backupId) is { } backup)
            {
                result.OnDuty.Backup = Summary(backup, now, viewer);
            }
        }

        if (RosterClock.Next(desk, now) is { } next)
        {
            result.OnDuty.NextStarts = Timestamp.FromDateTimeOffset(next.Started.ToDateTimeOffset());
            if (index.Find(next.Shift.Primary) is { } primary)
            {
                result.OnDuty.NextPrimary = Summary(primary, now, viewer);
            }

            if (next.Shift.Backup is { } backupId && index.Find(backupId) is { } backup)
            {
                result.OnDuty.NextBackup = Summary(backup, now, viewer);
            }
        }

        return result;
    }

    private async Task ThrottleAsync(ServerCallContext context)
    {
        if (await limiter.TryAcquireAsync(context.GetHttpContext().User.SubjectId(), context.CancellationToken) is { } retry)
        {
            context.ResponseTrailers.Add("retry-after-ms", ((int)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Too many searches; try again in {Math.Ceiling(retry.TotalSeconds)} s."));
        }
    }

    private static string Fingerprint(SearchOfficersRequest request)
    {
        var text = string.Join('\u001f', request.Query.Trim(), request.Country, request.Agency, request.Centre, request.CrossingPoint, request.Speciality,
            request.Language, request.OnDutyNow, request.OnDutyFirst, request.PageSize);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))[..8]);
    }

    private static string WriteToken(int offset, string fingerprint) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{offset.ToString(CultureInfo.InvariantCulture)}:{fingerprint}"));

    private static bool TryReadToken(string token, string fingerprint, out int offset)
    {
        offset = 0;
        if (token.Length > 100)
        {
            return false;
        }

        try
        {
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(token)).Split(':');
            return parts.Length == 2 && parts[1] == fingerprint
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out offset) && offset < MaxResults;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>
/// Searches per caller: a burst, then a steady rate (Directory:SearchBurst, Directory:SearchesPerSecond), counted
/// together by every directory instance through Redis when scaled out.
/// </summary>
public sealed class SearchRateLimiter(Microsoft.Extensions.Options.IOptions<DirectoryOptions> options, ILogger<SearchRateLimiter> logger,
    StackExchange.Redis.IConnectionMultiplexer? redis = null)
    : ServiceDefaults.Access.CallerRateLimiter("directory:searches", options.Value.SearchBurst, options.Value.SearchesPerSecond, logger, redis);
