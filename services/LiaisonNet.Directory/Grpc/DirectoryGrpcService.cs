using System.Globalization;
using Grpc.Core;
using LiaisonNet.Directory.Search;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Security;

namespace LiaisonNet.Directory.Grpc;

public sealed class DirectoryGrpcService(OfficerIndex index) : DirectoryService.DirectoryServiceBase
{
    private const int MaxPageSize = 50;
    private const int MaxResults = 500;

    public override Task<SearchOfficersResponse> SearchOfficers(SearchOfficersRequest request, ServerCallContext context)
    {
        var pageSize = request.PageSize == 0 ? 20 : request.PageSize;
        var offset = 0;
        new FieldViolations()
            .Require(request.Query.Trim().Length is >= 2 and <= 200, "query", "2 to 200 characters.")
            .Require(pageSize is > 0 and <= MaxPageSize, "page_size", $"1 to {MaxPageSize}.")
            .Require(request.PageToken.Length == 0 || (int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset) && offset < MaxResults),
                "page_token", "Not a token this service issued.")
            .Require(request.Country.Length is 0 or 2, "country", "An ISO 3166-1 alpha-2 code.")
            .Require(request.Agency.Length <= 50, "agency", "At most 50 characters.")
            .ThrowIfAny();

        var filter = new SearchFilter(NullIfEmpty(request.Country.ToUpperInvariant()), NullIfEmpty(request.Agency));
        var hits = index.Search(request.Query, filter).Take(MaxResults).ToList();
        var page = hits.Skip(offset).Take(pageSize).ToList();
        var response = new SearchOfficersResponse { Officers = { page.Select(h => Summary(h.Officer, h.Quality)) } };
        if (offset + pageSize < hits.Count)
        {
            response.NextPageToken = (offset + pageSize).ToString(CultureInfo.InvariantCulture);
        }

        return Task.FromResult(response);
    }

    public override Task<Officer> GetOfficer(GetOfficerRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.Id.Length is > 0 and <= 100, "id", "Required.").ThrowIfAny();
        var officer = index.Find(request.Id) ?? throw RpcErrors.NotFound($"No officer '{request.Id}'.");
        var caller = context.GetHttpContext().User;
        var result = new Officer
        {
            Summary = Summary(officer, MatchQuality.Exact),
            NameVariants = { officer.AllNames },
            Specialities = { officer.Specialities },
            Contacts = { officer.Contacts.Select(c => new ContactChannel { Kind = c.Kind, Value = c.Value }) },
        };

        // Restricted fields stay inside the officer's own agency.
        if (officer.RestrictedFields is { } restricted && caller.Agency() == officer.Agency)
        {
            result.Restricted = new RestrictedFields { PersonalPhone = restricted.PersonalPhone, Clearance = restricted.Clearance, HomeUnit = restricted.HomeUnit };
        }

        return Task.FromResult(result);
    }

    private static OfficerSummary Summary(OfficerRecord officer, MatchQuality quality) => new()
    {
        Id = officer.Id,
        DisplayName = officer.NativeName,
        LatinName = officer.LatinName,
        Rank = officer.Rank,
        Country = officer.Country,
        Agency = officer.Agency,
        AgencyName = officer.AgencyName,
        Posting = officer.Posting,
        Languages = { officer.Languages },
        MatchedOn = quality switch
        {
            MatchQuality.Exact => MatchKind.Exact,
            MatchQuality.Variant => MatchKind.Variant,
            _ => MatchKind.Fuzzy,
        },
    };

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
