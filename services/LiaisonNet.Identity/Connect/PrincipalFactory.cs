using System.Security.Claims;
using LiaisonNet.Identity.Accounts;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LiaisonNet.Identity.Connect;

/// <summary>Builds the claims a token carries for an account, and decides which token each claim goes into.</summary>
public sealed class PrincipalFactory(UserManager<LiaisonUser> users, IOpenIddictScopeManager scopes)
{
    public async Task<ClaimsPrincipal> ForUserAsync(LiaisonUser user, IEnumerable<string> grantedScopes)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.Name, user.DisplayName)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaim(LiaisonClaims.Country, user.Country)
            .SetClaim(LiaisonClaims.Agency, user.Agency)
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)])
            .SetClaims(LiaisonClaims.Desk, [.. user.DeskList]);
        return await FinishAsync(identity, grantedScopes);
    }

    /// <summary>A client's own token; a client registered as a sender of <paramref name="sender"/>'s agency carries it and the sender role.</summary>
    public async Task<ClaimsPrincipal> ForClientAsync(string clientId, string displayName, IEnumerable<string> grantedScopes, (string Agency, string Country)? sender = null)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, clientId).SetClaim(Claims.Name, displayName);
        if (sender is { } registered)
        {
            identity.SetClaim(LiaisonClaims.Agency, registered.Agency).SetClaim(LiaisonClaims.Country, registered.Country).SetClaims(Claims.Role, [LiaisonRoles.Sender]);
        }

        return await FinishAsync(identity, grantedScopes);
    }

    private async Task<ClaimsPrincipal> FinishAsync(ClaimsIdentity identity, IEnumerable<string> grantedScopes)
    {
        var granted = grantedScopes.ToList();
        identity.SetScopes(granted);
        identity.SetResources(await scopes.ListResourcesAsync([.. granted]).ToListAsync());
        identity.SetDestinations(claim => Destinations(claim, identity));
        return new ClaimsPrincipal(identity);
    }

    private static IEnumerable<string> Destinations(Claim claim, ClaimsIdentity identity) => claim.Type switch
    {
        Claims.Name or Claims.PreferredUsername when identity.HasScope(Scopes.Profile) => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Role or LiaisonClaims.Agency or LiaisonClaims.Country when identity.HasScope(Scopes.Profile) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        // Desk memberships matter to the relay (who staffs a desk) only.
        LiaisonClaims.Desk when identity.HasScope(LiaisonScopes.Relay) => [OpenIddictConstants.Destinations.AccessToken],
        LiaisonClaims.Desk => [],
        // The security stamp and other internal claims never leave the server.
        "AspNet.Identity.SecurityStamp" => [],
        _ => [OpenIddictConstants.Destinations.AccessToken],
    };
}
