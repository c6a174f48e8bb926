using System.Collections.Concurrent;
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
/// <remarks>
/// Refresh tokens are single-use and a reused one revokes its whole family, so concurrent requests of one session share a
/// single refresh: the first starts it, the others await the same result.
/// </remarks>
public enum RefreshResult
{
    NotDue,
    Refreshed,
    Refused,
}

public sealed class TokenRefresher(IHttpClientFactory http, IOptions<LiaisonOptions> liaison, IOptions<GatewayOptions> gateway, ILogger<TokenRefresher> logger)
{
    private static readonly TimeSpan ShareFor = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, Lazy<Task<RefreshResponse?>> Refresh)> _inFlight = new(StringComparer.Ordinal);

    public const string ClientId = "liaison-gateway";
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromSeconds(60);

    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        switch (await RefreshIfDueAsync(context.Properties, context.HttpContext.RequestAborted))
        {
            case RefreshResult.Refreshed:
                context.ShouldRenew = true;
                break;
            case RefreshResult.Refused:
                context.RejectPrincipal();
                break;
        }
    }

    /// <summary>
    /// Renews the access token held in <paramref name="properties"/> when it expires within a minute; Refused when the
    /// identity server will not (account disabled, token revoked), which ends the session.
    /// </summary>
    public async Task<RefreshResult> RefreshIfDueAsync(AuthenticationProperties properties, CancellationToken cancellationToken)
    {
        var expiresAt = properties.GetTokenValue("expires_at");
        var refreshToken = properties.GetTokenValue("refresh_token");
        if (expiresAt is null || !DateTimeOffset.TryParse(expiresAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires)
            || expires - DateTimeOffset.UtcNow > RefreshBefore)
        {
            return RefreshResult.NotDue;
        }

        if (refreshToken is null)
        {
            return RefreshResult.Refused;
        }

        var now = DateTimeOffset.UtcNow;
        foreach (var (key, entry) in _inFlight)
        {
            if (now - entry.At > ShareFor)
            {
                _inFlight.TryRemove(key, out _);
            }
        }

        var shared = _inFlight.GetOrAdd(refreshToken, token => (now, new Lazy<Task<RefreshResponse?>>(() => RefreshAsync(token))));
        var tokens = await shared.Refresh.Value.WaitAsync(cancellationToken);
        if (tokens is null)
        {
            return RefreshResult.Refused;
        }

        properties.UpdateTokenValue("access_token", tokens.AccessToken);
        if (tokens.RefreshToken is not null)
        {
            properties.UpdateTokenValue("refresh_token", tokens.RefreshToken);
        }

        properties.UpdateTokenValue("expires_at", DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn).ToString("o", CultureInfo.InvariantCulture));
        return RefreshResult.Refreshed;
    }

    /// <summary>Revokes the session's refresh token at the identity server (at sign-out); failures are logged, not thrown.</summary>
    public async Task RevokeAsync(AuthenticationProperties? properties, CancellationToken cancellationToken)
    {
        if (properties?.GetTokenValue("refresh_token") is not { } refreshToken)
        {
            return;
        }

        try
        {
            using var response = await http.CreateClient("liaison-tokens").PostAsync(new Uri(liaison.Value.Urls.Issuer, "connect/revoke"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = refreshToken,
                ["token_type_hint"] = "refresh_token",
                ["client_id"] = ClientId,
                ["client_secret"] = gateway.Value.ClientSecret,
            }), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The identity server refused to revoke a session's refresh token ({Status})", (int)response.StatusCode);
            }
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning("Could not revoke a session's refresh token: {Error}", ex.Message);
        }
    }

    private async Task<RefreshResponse?> RefreshAsync(string refreshToken)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            using var response = await http.CreateClient("liaison-tokens").PostAsync(new Uri(liaison.Value.Urls.Issuer, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = refreshToken,
                ["client_id"] = ClientId,
                ["client_secret"] = gateway.Value.ClientSecret,
            }), timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogInformation("Session ended: the identity server refused to refresh its token ({Status})", (int)response.StatusCode);
                return null;
            }

            return await response.Content.ReadFromJsonAsync<RefreshResponse>(timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            logger.LogWarning("Could not refresh a session's token: {Error}", ex.Message);
            _inFlight.TryRemove(refreshToken, out _);
            return null;
        }
    }

    private sealed record RefreshResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
