using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiaisonNet.Cli.Session;

/// <summary>The addresses of a LiaisonNet system, as its gateway publishes them (<c>/.well-known/liaisonnet</c>).</summary>
public sealed record SystemEndpoints(string Issuer, string Directory, string Relay, string Audit, string Accounts);

/// <summary>A device authorization in progress: what the user is shown, and what the tool polls with.</summary>
public sealed record DeviceAuthorization(
    [property: JsonPropertyName("device_code")] string DeviceCode,
    [property: JsonPropertyName("user_code")] string UserCode,
    [property: JsonPropertyName("verification_uri")] string VerificationUri,
    [property: JsonPropertyName("verification_uri_complete")] string? VerificationUriComplete,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("interval")] int? Interval);

/// <summary>A sign-in that did not happen, in one sentence.</summary>
public sealed class SignInException(string message) : Exception(message);

/// <summary>The identity server, as the tool uses it: the device flow, refresh, revocation, client credentials.</summary>
public sealed class Identity(HttpClient http)
{
    /// <summary>The command-line tool's client at the identity server (public: no secret).</summary>
    public const string ClientId = "liaison-cli";

    public const string Scopes = "openid profile offline_access directory relay audit accounts";

    public async Task<SystemEndpoints> DiscoverAsync(Uri server, CancellationToken cancellationToken)
    {
        try
        {
            return await http.GetFromJsonAsync<SystemEndpoints>(new Uri(server, "/.well-known/liaisonnet"), cancellationToken)
                ?? throw new SignInException($"{server} answered without its addresses.");
        }
        catch (HttpRequestException ex)
        {
            throw new SignInException($"{server} cannot be reached or is not a LiaisonNet gateway ({ex.Message}).");
        }
        catch (JsonException)
        {
            throw new SignInException($"{server} is not a LiaisonNet gateway (its answer was not the system's addresses).");
        }
    }

    public async Task<DeviceAuthorization> StartDeviceFlowAsync(string issuer, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(new Uri(issuer), "connect/device"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["client_id"] = ClientId, ["scope"] = Scopes }), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new SignInException($"The identity server refused to start a sign-in ({await ErrorOfAsync(response, cancellationToken)}).");
        }

        return (await response.Content.ReadFromJsonAsync<DeviceAuthorization>(cancellationToken))!;
    }

    /// <summary>Polls until the user approves or denies the code, or it expires.</summary>
    public async Task<TokenAnswer> CompleteDeviceFlowAsync(string issuer, DeviceAuthorization device, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, device.Interval ?? 5));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(device.ExpiresIn);
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(interval, cancellationToken);
            var (answer, error) = await TokenAsync(issuer, new Dictionary<string, string>
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code", ["client_id"] = ClientId, ["device_code"] = device.DeviceCode,
            }, cancellationToken);
            switch (error)
            {
                case null:
                    return answer!;
                case "authorization_pending":
                    continue;
                case "slow_down":
                    interval += TimeSpan.FromSeconds(5);
                    continue;
                case "access_denied":
                    throw new SignInException("The sign-in was denied on the verification page.");
                case "expired_token":
                    throw new SignInException("The code expired before it was approved; run liaison login again.");
                default:
                    throw new SignInException($"The identity server refused the sign-in ({error}).");
            }
        }

        throw new SignInException("The code expired before it was approved; run liaison login again.");
    }

    /// <summary>New tokens for a refresh token (which the server then retires), or null when it is no longer accepted.</summary>
    public async Task<TokenAnswer?> RefreshAsync(string issuer, string refreshToken, CancellationToken cancellationToken)
    {
        var (answer, _) = await TokenAsync(issuer, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = ClientId, ["refresh_token"] = refreshToken,
        }, cancellationToken);
        return answer;
    }

    /// <summary>Service automation: tokens for a client id and its secret.</summary>
    public async Task<TokenAnswer> ClientCredentialsAsync(string issuer, string clientId, string secret, CancellationToken cancellationToken)
    {
        var (answer, error) = await TokenAsync(issuer, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "directory relay audit",
        }, cancellationToken);
        return answer ?? throw new SignInException($"The identity server refused the client credentials ({error}).");
    }

    public async Task RevokeAsync(string issuer, string token, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsync(new Uri(new Uri(issuer), "connect/revocation"),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["client_id"] = ClientId, ["token"] = token, ["token_type_hint"] = "refresh_token" }),
                cancellationToken);
        }
        catch (HttpRequestException)
        {
            // The local sign-in is removed anyway; the refresh token expires on its own.
        }
    }

    private async Task<(TokenAnswer? Answer, string? Error)> TokenAsync(string issuer, Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(new Uri(issuer), "connect/token"), new FormUrlEncodedContent(form), cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return (await response.Content.ReadFromJsonAsync<TokenAnswer>(cancellationToken), null);
        }

        return (null, await ErrorOfAsync(response, cancellationToken));
    }

    private static async Task<string> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return body.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? $"HTTP {(int)response.StatusCode}" : $"HTTP {(int)response.StatusCode}";
        }
        catch (JsonException)
        {
            return $"HTTP {(int)response.StatusCode}";
        }
    }
}

public sealed record TokenAnswer(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);
