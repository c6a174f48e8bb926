using System.Net;
using System.Security.Cryptography;
using System.Net.Http.Json;
using System.Text;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace LiaisonNet.Identity.Tests;

public sealed class DiscoveryAndFlowTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task DiscoveryDocumentIsStandardAndAThirdPartyOidcLibraryReadsItUnchanged()
    {
        // Microsoft.IdentityModel's retriever: the library ASP.NET Core's own OIDC handler uses.
        var retriever = new ConfigurationManager<OpenIdConnectConfiguration>(
            new Uri(System.Urls.Issuer, ".well-known/openid-configuration").ToString(),
            new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = false });
        var config = await retriever.GetConfigurationAsync(CancellationToken.None);

        Assert.Equal(System.Urls.Issuer.ToString(), config.Issuer);
        Assert.EndsWith("/connect/authorize", config.AuthorizationEndpoint, StringComparison.Ordinal);
        Assert.EndsWith("/connect/token", config.TokenEndpoint, StringComparison.Ordinal);
        Assert.EndsWith("/connect/endsession", config.EndSessionEndpoint, StringComparison.Ordinal);
        Assert.EndsWith("/connect/userinfo", config.UserInfoEndpoint, StringComparison.Ordinal);
        Assert.NotEmpty(config.SigningKeys);
        Assert.Equal(["S256"], config.CodeChallengeMethodsSupported);
        Assert.Equal(["code"], config.ResponseTypesSupported);
        Assert.Contains("urn:ietf:params:oauth:grant-type:device_code", config.GrantTypesSupported);
        Assert.Contains("client_credentials", config.GrantTypesSupported);
        Assert.Contains("refresh_token", config.GrantTypesSupported);
        Assert.DoesNotContain("password", config.GrantTypesSupported);
        Assert.DoesNotContain("implicit", config.GrantTypesSupported);

        var raw = await Support.GetJsonAsync(new Uri(System.Urls.Issuer, ".well-known/openid-configuration"));
        Assert.EndsWith("/connect/device", raw.GetProperty("device_authorization_endpoint").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData(null)]
    public async Task AuthorizationWithoutAnS256ChallengeIsRefused(string? method)
    {
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = OidcSignIn.CliClientId, ["redirect_uri"] = OidcSignIn.CliRedirectUri, ["response_type"] = "code",
            ["scope"] = "openid relay", ["state"] = "s",
        };
        if (method is not null)
        {
            query["code_challenge"] = verifier;
            query["code_challenge_method"] = method;
        }

        using var browser = new FormBrowser();
        var page = await browser.GetAsync(new Uri(QueryHelpers.AddQueryString(new Uri(System.Urls.Issuer, "connect/authorize").ToString(), query)),
            u => u.ToString().StartsWith(OidcSignIn.CliRedirectUri, StringComparison.Ordinal));
        // Either an error page from the server, or an error returned to the client: never a sign-in form, never a code.
        Assert.DoesNotContain("name=\"password\"", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("code=", page.Url.Query, StringComparison.Ordinal);
        Assert.True(page.Status == HttpStatusCode.BadRequest || page.Url.Query.Contains("error=", StringComparison.Ordinal), $"{page.Status} {page.Url}");
    }

    [Fact]
    public async Task PasswordGrantIsNotOffered()
    {
        var (status, body) = await Support.TokenRequestAsync(System, new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = OidcSignIn.CliClientId, ["username"] = "sattarkhanov", ["password"] = Support.Password,
        });
        Assert.Equal(400, status);
        Assert.Equal("unsupported_grant_type", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ClientCredentialsGiveAServiceTokenForTheRequestedAudienceOnly()
    {
        var (status, body) = await Support.TokenRequestAsync(System, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = Host.HostSecrets.DemoAutomationClientId,
            ["client_secret"] = Host.HostSecrets.DemoAutomationSecret, ["scope"] = "directory",
        });
        Assert.Equal(200, status);
        var payload = Payload(body.GetProperty("access_token").GetString()!);
        Assert.Contains("liaison-directory", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("liaison-relay", payload, StringComparison.Ordinal);

        var (refused, error) = await Support.TokenRequestAsync(System, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = Host.HostSecrets.DemoAutomationClientId,
            ["client_secret"] = "wrong", ["scope"] = "directory",
        });
        Assert.Equal(401, refused);
        Assert.Equal("invalid_client", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task RefreshTokensRotateAndAReusedOneRevokesTheWholeFamily()
    {
        var first = await new OidcSignIn(System.Urls).TokensForAsync("rahimov", Support.Password);
        var (status, second) = await Refresh(first.RefreshToken!);
        Assert.Equal(200, status);
        var rotated = second.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(first.RefreshToken, rotated);

        // The first refresh token again: a replay, as by a thief who copied it.
        var (reuseStatus, reuse) = await Refresh(first.RefreshToken!);
        Assert.Equal(400, reuseStatus);
        Assert.Equal("invalid_grant", reuse.GetProperty("error").GetString());

        // And the legitimate holder's newer token of the same family is revoked with it.
        var (familyStatus, family) = await Refresh(rotated);
        Assert.Equal(400, familyStatus);
        Assert.Equal("invalid_grant", family.GetProperty("error").GetString());
    }

    [Fact]
    public async Task UserInfoAnswersForAValidTokenWithProfileScope()
    {
        var tokens = await new OidcSignIn(System.Urls).TokensForAsync("khodjaev", Support.Password);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.AccessToken);
        var info = await http.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri(System.Urls.Issuer, "connect/userinfo"));
        Assert.Equal("uz-cus-khodjaev", info.GetProperty("sub").GetString());
        Assert.Equal("UZ-CUS", info.GetProperty("agency").GetString());
    }

    private Task<(int, System.Text.Json.JsonElement)> Refresh(string refreshToken) => Support.TokenRequestAsync(System, new Dictionary<string, string>
    {
        ["grant_type"] = "refresh_token", ["client_id"] = OidcSignIn.CliClientId, ["refresh_token"] = refreshToken,
    });

    internal static string Payload(string jwt) =>
        Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(jwt.Split('.')[1]));
}
