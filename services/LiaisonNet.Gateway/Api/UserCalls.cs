using Grpc.Core;
using Microsoft.AspNetCore.Authentication;

namespace LiaisonNet.Gateway.Api;

/// <summary>Calls to the services on behalf of the signed-in user, with the user's own access token and a deadline.</summary>
public static class UserCalls
{
    public static async Task<CallOptions> ForUserAsync(this HttpContext context, TimeSpan? deadline = null)
    {
        var token = await context.GetTokenAsync("access_token")
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "The session holds no access token; sign in again."));
        return WithToken(token, deadline ?? TimeSpan.FromSeconds(10), context.RequestAborted);
    }

    /// <summary>The desks the user's access token says an administrator assigned them (the session holds the token; the browser never sees it).</summary>
    public static async Task<IReadOnlySet<string>> AssignedDesksAsync(this HttpContext context) =>
        await context.GetTokenAsync("access_token") is { Length: > 0 } token
            ? new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Claims.Where(c => c.Type == ServiceDefaults.Security.LiaisonClaims.Desk).Select(c => c.Value)
                .ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();

    public static CallOptions WithToken(string token, TimeSpan? deadline, CancellationToken cancellationToken) =>
        new(new Metadata { { "Authorization", $"Bearer {token}" } }, deadline is { } d ? DateTime.UtcNow + d : null, cancellationToken);
}
