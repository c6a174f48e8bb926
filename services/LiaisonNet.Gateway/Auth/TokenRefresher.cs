using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Gateway.Auth;

/// <summary>
/// Renews a session's access token with its refresh token shortly before it expires. A refused refresh (account disabled,
/// token revoked) ends the session.
/// </summary>
public sealed class TokenRefresher(IHttpClientFactory http, IOptions<LiaisonOptions> liaison, IOptions<GatewayOptions> gateway, ILogger<TokenRefresher> logger)
{
    public const string ClientId = "liaison-gateway";
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromSeconds(60);

    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var expiresAt = context.Properties.GetTokenValue("expires_at");
        var refreshToken = context.Properties.GetTokenValue("refresh_token");
        if (expiresAt is null || !DateTimeOffset.TryParse(expiresAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires)
            || expires - DateTimeOffset.UtcNow > RefreshBefore)
        {
            return;
        }

        if (refreshToken is null)
        {
            context.RejectPrincipal();
            return;
        }

        using var response = await http.CreateClient("liaison-tokens").PostAsync(new Uri(liaison.Value.Urls.Issuer, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = ClientId,
            ["client_secret"] = gateway.Value.ClientSecret,
        }), context.HttpContext.RequestAborted);
        if (!response.IsSuccessStatusCode)
        {
            logger.LogInformation("Session ended: the identity server refused to refresh its token ({Status})", (int)response.StatusCode);
            context.RejectPrincipal();
            return;
        }

        var tokens = await response.Content.ReadFromJsonAsync<RefreshResponse>(context.HttpContext.RequestAborted);
        if (tokens is null)
        {
            context.RejectPrincipal();
            return;
        }

        context.Properties.UpdateTokenValue("access_token", tokens.AccessToken);
        if (tokens.RefreshToken is not null)
        {
            context.Properties.UpdateTokenValue("refresh_token", tokens.RefreshToken);
        }

        context.Properties.UpdateTokenValue("expires_at", DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn).ToString("o", CultureInfo.InvariantCulture));
        context.ShouldRenew = true;
    }

    private sealed record RefreshResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
