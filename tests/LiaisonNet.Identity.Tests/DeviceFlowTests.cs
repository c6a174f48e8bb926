using System.Text.Json;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.Identity.Tests;

/// <summary>The command-line tool on a machine without a browser: it shows a code, the officer approves it on another device.</summary>
public sealed class DeviceFlowTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private const string DeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";

    private RunningSystem System => fixture.System;

    [Fact]
    public async Task OfficerApprovesTheCodeInTheSignInPageAndTheToolGetsTokens()
    {
        var device = await StartAsync();
        var (pendingStatus, pending) = await PollAsync(device);
        Assert.Equal(400, pendingStatus);
        Assert.Equal("authorization_pending", pending.GetProperty("error").GetString());

        using var browser = new FormBrowser();
        var signIn = await browser.GetAsync(new Uri(device.GetProperty("verification_uri_complete").GetString()!));
        var confirm = await browser.SignInAsync(signIn, "asanov", Support.Password);
        Assert.Contains("name=\"decision\" value=\"approve\"", confirm.Html, StringComparison.Ordinal);
        Assert.Contains("LiaisonNet command-line tool", confirm.Html, StringComparison.Ordinal);

        var done = await browser.SubmitAsync(confirm, "/connect/verify", new Dictionary<string, string>
        {
            ["user_code"] = confirm.Field("user_code"), ["decision"] = "approve",
        });
        Assert.Contains("data-device-result=\"approved\"", done.Html, StringComparison.Ordinal);

        var (status, tokens) = await PollAsync(device);
        Assert.Equal(200, status);
        using var client = new LiaisonClient(System.Endpoints, new StaticTokenSource(tokens.GetProperty("access_token").GetString()!));
        Assert.NotNull(await client.Relay.ListInboxAsync(new ListInboxRequest()));

        // A device code is redeemed once.
        var (againStatus, _) = await PollAsync(device);
        Assert.Equal(400, againStatus);
    }

    [Fact]
    public async Task DeniedCodeGivesTheToolNothing()
    {
        var device = await StartAsync();
        using var browser = new FormBrowser();
        var confirm = await browser.SignInAsync(await browser.GetAsync(new Uri(device.GetProperty("verification_uri_complete").GetString()!)), "rahimov", Support.Password);
        var done = await browser.SubmitAsync(confirm, "/connect/verify", new Dictionary<string, string>
        {
            ["user_code"] = confirm.Field("user_code"), ["decision"] = "deny",
        });
        Assert.Contains("data-device-result=\"denied\"", done.Html, StringComparison.Ordinal);

        var (status, body) = await PollAsync(device);
        Assert.Equal(400, status);
        Assert.Equal("access_denied", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AWrongUserCodeIsReportedOnThePage()
    {
        using var browser = new FormBrowser();
        var signIn = await browser.GetAsync(new Uri(System.Urls.Issuer, "connect/verify?user_code=NOPE-NOPE"));
        var page = await browser.SignInAsync(signIn, "rahimov", Support.Password);
        Assert.Equal("This code is not valid or has expired.", page.Error);
        Assert.DoesNotContain("value=\"approve\"", page.Html, StringComparison.Ordinal);
    }

    private async Task<JsonElement> StartAsync()
    {
        var (status, body) = await Support.TokenRequestAsync(System, new Dictionary<string, string>
        {
            ["client_id"] = OidcSignIn.CliClientId, ["scope"] = "openid offline_access relay directory",
        }, "connect/device");
        Assert.Equal(200, status);
        Assert.StartsWith(System.Urls.Issuer.ToString(), body.GetProperty("verification_uri").GetString(), StringComparison.Ordinal);
        return body;
    }

    private Task<(int, JsonElement)> PollAsync(JsonElement device) => Support.TokenRequestAsync(System, new Dictionary<string, string>
    {
        ["grant_type"] = DeviceGrant, ["client_id"] = OidcSignIn.CliClientId, ["device_code"] = device.GetProperty("device_code").GetString()!,
    });
}
