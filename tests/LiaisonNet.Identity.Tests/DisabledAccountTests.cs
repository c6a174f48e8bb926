using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.Identity.Tests;

/// <summary>Disabling an account: its refresh tokens stop at once, its access tokens within their (here 3 s) lifetime.</summary>
public sealed class DisabledAccountTests : IAsyncLifetime
{
    private RunningSystem _system = null!;

    public async Task InitializeAsync() =>
        _system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Identity:AccessTokenLifetime"] = "00:00:03" });

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task DisabledAccountLosesRefreshAtOnceAccessWithinItsLifetimeAndCannotSignIn()
    {
        var adminTokens = await new OidcSignIn(_system.Urls).TokensForAsync("abenov", Support.Password);
        var created = await CreateAsync(adminTokens.AccessToken);
        var tokens = await new OidcSignIn(_system.Urls).TokensForAsync(created.Account.UserName, created.InitialPassword);
        using var officer = new LiaisonClient(_system.Endpoints, new StaticTokenSource(tokens.AccessToken));
        Assert.NotNull(await officer.Relay.ListInboxAsync(new ListInboxRequest()));

        // A fresh admin token: the first has a 3 s lifetime.
        using var admin = new LiaisonClient(_system.Endpoints, new StaticTokenSource(await new OidcSignIn(_system.Urls).AccessTokenForAsync("abenov", Support.Password)));
        var disabled = await admin.Accounts.DisableAccountAsync(new AccountRef { AccountId = created.Account.Id });
        Assert.True(disabled.Disabled);

        var (status, body) = await Support.TokenRequestAsync(_system, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = OidcSignIn.CliClientId, ["refresh_token"] = tokens.RefreshToken!,
        });
        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => new OidcSignIn(_system.Urls).TokensForAsync(created.Account.UserName, created.InitialPassword));
        Assert.Contains("disabled", refused.Message, StringComparison.Ordinal);

        // Lifetime (3 s) plus the services' clock-skew allowance (5 s).
        await Task.Delay(TimeSpan.FromSeconds(9));
        await Support.AssertStatus(StatusCode.Unauthenticated, () => officer.Relay.ListInboxAsync(new ListInboxRequest()).ResponseAsync);

        using var admin2 = new LiaisonClient(_system.Endpoints, new StaticTokenSource(await new OidcSignIn(_system.Urls).AccessTokenForAsync("abenov", Support.Password)));
        await admin2.Accounts.EnableAccountAsync(new AccountRef { AccountId = created.Account.Id });
        Assert.NotEmpty(await new OidcSignIn(_system.Urls).AccessTokenForAsync(created.Account.UserName, created.InitialPassword));

        using var auditor = new LiaisonClient(_system.Endpoints, new StaticTokenSource(await new OidcSignIn(_system.Urls).AccessTokenForAsync("omarova", Support.Password)));
        var trail = await Support.TrailAsync(auditor, created.Account.Id, "account.enabled");
        Assert.Contains(trail, e => e.Action == "account.disabled");
        Assert.Contains(trail, e => e.Action == "account.signin.refused_disabled");
    }

    private async Task<CreateAccountResponse> CreateAsync(string adminToken)
    {
        using var admin = new LiaisonClient(_system.Endpoints, new StaticTokenSource(adminToken));
        return await admin.Accounts.CreateAccountAsync(new CreateAccountRequest { UserName = "kz.leaving", DisplayName = "Leaving Officer", Roles = { "officer" } });
    }
}
