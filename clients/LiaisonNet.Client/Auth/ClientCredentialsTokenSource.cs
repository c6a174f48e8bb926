using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace LiaisonNet.Client.Auth;

/// <summary>
/// Obtains tokens for a service or automated system by the OAuth client-credentials grant,
/// caching each until shortly before it expires.
/// </summary>
public sealed class ClientCredentialsTokenSource(
    HttpClient http, Uri tokenEndpoint, string clientId, string clientSecret, IEnumerable<string> scopes, TimeProvider? clock = null)
    : ITokenSource, IDisposable
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(60);
    private readonly string _scope = string.Join(' ', scopes);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private string? _token;
    private DateTimeOffset _renewAt;

    public async ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_token is { } cached && _clock.GetUtcNow() < _renewAt)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_token is { } fresh && _clock.GetUtcNow() < _renewAt)
            {
                return fresh;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = clientId,
                    ["client_secret"] = clientSecret,
                    ["scope"] = _scope,
                }),
            };
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var error = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new TokenRequestException($"The token endpoint refused client '{clientId}': {(int)response.StatusCode} {error}");
            }

            var body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken)
                ?? throw new TokenRequestException("The token endpoint returned an empty response.");
            _token = body.AccessToken;
            _renewAt = _clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(body.ExpiresIn, 1)) - RenewBefore;
            return body.AccessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}

public sealed class TokenRequestException(string message) : Exception(message);
