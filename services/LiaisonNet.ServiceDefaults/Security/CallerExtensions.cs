using System.Security.Claims;
using OpenIddict.Abstractions;

namespace LiaisonNet.ServiceDefaults.Security;

/// <summary>Reads who is calling from a validated access token.</summary>
public static class CallerExtensions
{
    /// <summary>The subject: a user id, or a client id for client-credentials tokens.</summary>
    public static string SubjectId(this ClaimsPrincipal principal) =>
        principal.GetClaim(OpenIddictConstants.Claims.Subject)
        ?? throw new InvalidOperationException("The validated token has no subject.");

    public static string DisplayName(this ClaimsPrincipal principal) =>
        principal.GetClaim(OpenIddictConstants.Claims.Name) ?? principal.SubjectId();

    public static string? Agency(this ClaimsPrincipal principal) => principal.GetClaim(LiaisonClaims.Agency);

    public static string? Country(this ClaimsPrincipal principal) => principal.GetClaim(LiaisonClaims.Country);

    public static bool HasRole(this ClaimsPrincipal principal, string role) =>
        principal.GetClaims(OpenIddictConstants.Claims.Role).Contains(role, StringComparer.Ordinal);

    /// <summary>
    /// True for a token issued to a client by client credentials rather than to a person: its subject is the client
    /// itself (the identity server never gives an account the id of a registered client).
    /// </summary>
    public static bool IsServiceClient(this ClaimsPrincipal principal) =>
        principal.GetClaim(OpenIddictConstants.Claims.Subject) is { } subject
        && string.Equals(subject, principal.GetClaim(OpenIddictConstants.Claims.ClientId), StringComparison.Ordinal);
}
