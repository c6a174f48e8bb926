using Grpc.Core;
using LiaisonNet.Directory.Admin;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.ServiceDefaults.Grpc;

namespace LiaisonNet.Directory.Accounts;

/// <summary>
/// Asks the identity server which agency owns the account of each id, so that an entry is never created in, or moved to,
/// an agency other than that of the account which signs in as it.
/// </summary>
public sealed class AccountOwners(AccountLookupService.AccountLookupServiceClient accounts)
{
    /// <summary>One problem per entry whose id is an account of another agency than the one it is written for.</summary>
    public async Task<IReadOnlyList<(string Id, FieldProblem Problem)>> ConflictsAsync(IReadOnlyCollection<(string Id, string Agency)> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return [];
        }

        FindAccountsResponse found;
        try
        {
            found = await accounts.FindAccountsAsync(new FindAccountsRequest { AccountIds = { entries.Select(e => e.Id).Distinct(StringComparer.Ordinal) } },
                cancellationToken: cancellationToken);
        }
        catch (RpcException ex)
        {
            // Fails closed: an entry is not written without knowing whose account its id is.
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"The identity server cannot say whose accounts these ids are right now ({ex.StatusCode}); nothing was changed. Try again shortly."));
        }

        var owners = found.Accounts.ToDictionary(a => a.AccountId, a => a.Agency, StringComparer.Ordinal);
        return
        [
            .. entries.Where(e => owners.TryGetValue(e.Id, out var owner) && owner != e.Agency)
                .Select(e => (e.Id, new FieldProblem("id", $"{RpcErrors.Quote(e.Id)} is the account of an officer of {owners[e.Id]}; an entry of {e.Agency} cannot have it."))),
        ];
    }
}
