using Grpc.Core;
using LiaisonNet.Identity.Accounts;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.ServiceDefaults.Grpc;
using Microsoft.EntityFrameworkCore;

namespace LiaisonNet.Identity.Admin;

/// <summary>Tells LiaisonNet services which agency owns an account id (the directory asks before it gives an id an entry).</summary>
public sealed class AccountLookupGrpcService(IdentityDb db) : AccountLookupService.AccountLookupServiceBase
{
    private const int MaxIds = 10_000;

    public override async Task<FindAccountsResponse> FindAccounts(FindAccountsRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.AccountIds.Count <= MaxIds, "account_ids", $"At most {MaxIds} ids.").ThrowIfAny();
        var ids = request.AccountIds.Distinct(StringComparer.Ordinal).ToList();
        var response = new FindAccountsResponse();
        foreach (var chunk in ids.Chunk(500))
        {
            var found = await db.Users.AsNoTracking().Where(u => chunk.Contains(u.Id))
                .Select(u => new AccountOwner { AccountId = u.Id, Country = u.Country, Agency = u.Agency })
                .ToListAsync(context.CancellationToken);
            response.Accounts.Add(found);
        }

        return response;
    }
}
