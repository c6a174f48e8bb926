using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.WebUtilities;

namespace LiaisonNet.TestKit;

/// <summary>An authorization request under way: where to send the user, and what proves it was ours.</summary>
public sealed record AuthorizationRequest(Uri Url, string Verifier, string State);

/// <summary>The authorization-code flow with PKCE, as the command-line client does it, with the test acting as the user.</summary>
public sealed class OidcSignIn(ServiceUrls urls)
{
    public const string CliClientId = "liaison-cli";
    public const string CliRedirectUri = "http://127.0.0.1/callback";
    public const string DefaultScope = "openid profile offline_access directory relay audit accounts";

    public async Task<string> AccessTokenForAsync(string userName, string password, string scope = DefaultScope) =>
        (await TokensForAsync(userName, password, scope)).AccessToken;

    public async Task<TokenSet> TokensForAsync(string userName, string password, string scope = DefaultScope)
    {
        using var handler = TestTrust.Handler(new CookieContainer(), followRedirects: false);
        using var http = new HttpClient(handler);
        var request = Begin(scope);
        var callback = await SignInPage.CompleteAsync(http, request.Url, userName, password, IsCallback);
        return await ExchangeAsync(callback, request);
    }

    /// <summary>A new authorization request with a fresh S256 challenge and state.</summary>
    public AuthorizationRequest Begin(string scope = DefaultScope)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(16));
        var authorize = QueryHelpers.AddQueryString(new Uri(urls.Issuer, "connect/authorize").ToString(), new Dictionary<string, string?>
        {
            ["client_id"] = CliClientId,
            ["redirect_uri"] = CliRedirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });
        return new AuthorizationRequest(new Uri(authorize), verifier, state);
    }

    public static bool IsCallback(Uri uri) => uri.ToString().StartsWith(CliRedirectUri, StringComparison.Ordinal);

    /// <summary>Redeems the code the identity server sent to the callback.</summary>
    public async Task<TokenSet> ExchangeAsync(Uri callback, AuthorizationRequest request)
    {
        var query = QueryHelpers.ParseQuery(callback.Query);
        if (query["state"] != request.State || !query.TryGetValue("code", out var code))
        {
            throw new InvalidOperationException($"Unexpected callback: {callback}");
        }

        using var http = new HttpClient(TestTrust.Handler());
        using var response = await http.PostAsync(new Uri(urls.Issuer, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = CliClientId,
            ["code"] = code!,
            ["redirect_uri"] = CliRedirectUri,
            ["code_verifier"] = request.Verifier,
        }));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The token endpoint refused the code with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync<TokenSet>())!;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed record TokenSet(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("id_token")] string? IdToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);
