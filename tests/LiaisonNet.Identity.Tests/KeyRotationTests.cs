using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;
using Microsoft.IdentityModel.JsonWebTokens;

namespace LiaisonNet.Identity.Tests;

public sealed class KeyRotationTests
{
    [Fact]
    public async Task ScheduledRotationSwitchesKeysWhileRunningAndNoTokenIsRefusedOnTheWay()
    {
        // Each key signs for 20 s (room for a slow start on a loaded machine); the next one is published from the start.
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?>
        {
            ["Identity:SigningKeyRotationPeriod"] = "00:00:20",
            ["Identity:SigningKeyPublishLead"] = "00:00:02",
            ["Identity:SigningKeyCheckInterval"] = "00:00:01",
        });
        var before = await new OidcSignIn(system.Urls).TokensForAsync("asanov", Support.Password);
        var oldKeyId = new JsonWebToken(before.AccessToken).Kid;
        var published = await KeyIdsAsync(system);
        Assert.Equal(2, published.Count);
        await AssertAcceptedAsync(system, before.AccessToken);

        string newKeyId;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(500);
            newKeyId = new JsonWebToken((await ClientCredentialsAsync(system)).GetProperty("access_token").GetString()!).Kid;
        }
        while (newKeyId == oldKeyId && DateTime.UtcNow < deadline);

        Assert.NotEqual(oldKeyId, newKeyId);
        Assert.Contains(newKeyId, published);

        // The services had the new key before it signed anything: the very first call with it succeeds.
        var after = await new OidcSignIn(system.Urls).TokensForAsync("asanov", Support.Password);
        Assert.Equal(newKeyId, new JsonWebToken(after.AccessToken).Kid);
        await AssertAcceptedAsync(system, after.AccessToken);
        await AssertAcceptedAsync(system, before.AccessToken);

        // A refresh token issued before the switch still redeems, under the new key.
        var (status, refreshed) = await Support.TokenRequestAsync(system, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = OidcSignIn.CliClientId, ["refresh_token"] = before.RefreshToken!,
        });
        Assert.Equal(200, status);
        Assert.Equal(newKeyId, new JsonWebToken(refreshed.GetProperty("access_token").GetString()!).Kid);
    }

    [Fact]
    public async Task EmergencyRotationAtRestartSignsWithANewKeyAndEarlierTokensStillWork()
    {
        await using var system = await RunningSystem.StartAsync();
        var before = await new OidcSignIn(system.Urls).TokensForAsync("asanov", Support.Password);
        var oldKeyId = new JsonWebToken(before.AccessToken).Kid;

        await system.RestartAsync(new Dictionary<string, string?> { ["Identity:RotateSigningKeyNow"] = "true" });
        var after = await new OidcSignIn(system.Urls).TokensForAsync("asanov", Support.Password);
        var newKeyId = new JsonWebToken(after.AccessToken).Kid;
        Assert.NotEqual(oldKeyId, newKeyId);
        var published = await KeyIdsAsync(system);
        Assert.Contains(oldKeyId, published);
        Assert.Contains(newKeyId, published);
        await AssertAcceptedAsync(system, before.AccessToken);
        await AssertAcceptedAsync(system, after.AccessToken);

        // A plain restart afterwards keeps signing with the new key.
        await system.RestartAsync(new Dictionary<string, string?> { ["Identity:RotateSigningKeyNow"] = "false" });
        Assert.Equal(newKeyId, new JsonWebToken(await new OidcSignIn(system.Urls).AccessTokenForAsync("asanov", Support.Password)).Kid);
    }

    private static async Task AssertAcceptedAsync(RunningSystem system, string token)
    {
        using var client = new LiaisonClient(system.Endpoints, new StaticTokenSource(token));
        Assert.NotNull(await client.Relay.ListInboxAsync(new ListInboxRequest()));
        Assert.NotNull(await client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "Asanov" }));
    }

    private static async Task<System.Text.Json.JsonElement> ClientCredentialsAsync(RunningSystem system) =>
        (await Support.TokenRequestAsync(system, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = Host.HostSecrets.DemoAutomationClientId,
            ["client_secret"] = Host.HostSecrets.DemoAutomationSecret, ["scope"] = "directory",
        })).Body;

    private static async Task<List<string>> KeyIdsAsync(RunningSystem system)
    {
        var jwks = await Support.GetJsonAsync(new Uri(system.Urls.Issuer, ".well-known/jwks"));
        return [.. jwks.GetProperty("keys").EnumerateArray().Where(k => k.GetProperty("use").GetString() == "sig").Select(k => k.GetProperty("kid").GetString()!)];
    }
}
