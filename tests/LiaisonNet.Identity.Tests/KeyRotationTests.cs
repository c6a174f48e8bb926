using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;
using Microsoft.IdentityModel.JsonWebTokens;

namespace LiaisonNet.Identity.Tests;

public sealed class KeyRotationTests
{
    [Fact]
    public async Task AfterRotationNewTokensUseTheNewKeyAndTokensSignedBeforeStillWork()
    {
        await using var system = await RunningSystem.StartAsync();
        var before = await new OidcSignIn(system.Urls).TokensForAsync("asanov", Support.Password);
        var oldKeyId = new JsonWebToken(before.AccessToken).Kid;
        Assert.Single(await KeyIdsAsync(system));

        await system.RestartAsync(new Dictionary<string, string?> { ["Identity:RotateSigningKeyNow"] = "true" });
        var published = await KeyIdsAsync(system);
        Assert.Equal(2, published.Count);
        Assert.Contains(oldKeyId, published);

        var after = await new OidcSignIn(system.Urls).TokensForAsync("asanov", Support.Password);
        var newKeyId = new JsonWebToken(after.AccessToken).Kid;
        Assert.NotEqual(oldKeyId, newKeyId);
        Assert.Contains(newKeyId, published);

        // Both validate at the services: the old one until it expires.
        foreach (var token in new[] { before.AccessToken, after.AccessToken })
        {
            using var client = new LiaisonClient(system.Endpoints, new StaticTokenSource(token));
            Assert.NotNull(await client.Relay.ListInboxAsync(new ListInboxRequest()));
        }

        // A refresh token issued before the rotation still redeems, now under the new key.
        var (status, refreshed) = await Support.TokenRequestAsync(system, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = OidcSignIn.CliClientId, ["refresh_token"] = before.RefreshToken!,
        });
        Assert.Equal(200, status);
        Assert.Equal(newKeyId, new JsonWebToken(refreshed.GetProperty("access_token").GetString()!).Kid);

        // A plain restart keeps both keys (the old one is within its retention) and signs with the new one.
        await system.RestartAsync(new Dictionary<string, string?> { ["Identity:RotateSigningKeyNow"] = "false" });
        Assert.Equal(published.Order(), (await KeyIdsAsync(system)).Order());
        Assert.Equal(newKeyId, new JsonWebToken(await new OidcSignIn(system.Urls).AccessTokenForAsync("asanov", Support.Password)).Kid);
    }

    private static async Task<List<string>> KeyIdsAsync(RunningSystem system)
    {
        var jwks = await Support.GetJsonAsync(new Uri(system.Urls.Issuer, ".well-known/jwks"));
        return [.. jwks.GetProperty("keys").EnumerateArray().Where(k => k.GetProperty("use").GetString() == "sig").Select(k => k.GetProperty("kid").GetString()!)];
    }
}
