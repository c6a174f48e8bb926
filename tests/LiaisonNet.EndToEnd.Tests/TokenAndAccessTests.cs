using Google.Rpc;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

// One storage only: token checks are the same code whichever storage holds the accounts.
[Trait("Storage", "Either")]
public sealed class TokenAndAccessTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private static readonly SearchOfficersRequest Search = new() { Query = "Sattarkhanov" };

    [Fact]
    public async Task EveryServiceRejectsCallsWithoutAToken()
    {
        using var client = new LiaisonClient(fixture.System.Endpoints, new StaticTokenSource(""));
        await AssertStatus(StatusCode.Unauthenticated, () => client.Directory.SearchOfficersAsync(Search).ResponseAsync);
        await AssertStatus(StatusCode.Unauthenticated, () => client.Relay.ListInboxAsync(new ListInboxRequest()).ResponseAsync);
        await AssertStatus(StatusCode.Unauthenticated, () => client.Audit.GetCheckpointAsync(new Protos.Audit.V1.GetCheckpointRequest()).ResponseAsync);
    }

    [Fact]
    public async Task TokenForOneServiceIsRejectedByTheOthers()
    {
        var token = await new OidcSignIn(fixture.System.Urls).AccessTokenForAsync("sattarkhanov", Host.HostSecrets.DemoPassword, "openid directory");
        using var client = new LiaisonClient(fixture.System.Endpoints, new StaticTokenSource(token));
        var found = await client.Directory.SearchOfficersAsync(Search);
        Assert.NotEmpty(found.Officers);
        await AssertStatus(StatusCode.Unauthenticated, () => client.Relay.ListInboxAsync(new ListInboxRequest()).ResponseAsync);
        await AssertStatus(StatusCode.Unauthenticated, () => client.Audit.GetCheckpointAsync(new Protos.Audit.V1.GetCheckpointRequest()).ResponseAsync);
    }

    [Fact]
    public async Task ForgedAndAlteredTokensAreRejected()
    {
        var token = await fixture.System.AccessTokenForUserAsync("sattarkhanov");
        var parts = token.Split('.');
        // The same claims signed by nobody ("alg": "none"), and a payload changed after signing.
        var unsigned = $"{Base64Url("{\"alg\":\"none\",\"typ\":\"at+jwt\"}")}.{parts[1]}.";
        var tampered = $"{parts[0]}.{Base64Url(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1]))).Replace("kz-bs-sattarkhanov", "uz-cus-khodjaev", StringComparison.Ordinal))}.{parts[2]}";
        foreach (var bad in new[] { unsigned, tampered, "not-a-token" })
        {
            using var client = new LiaisonClient(fixture.System.Endpoints, new StaticTokenSource(bad));
            await AssertStatus(StatusCode.Unauthenticated, () => client.Relay.ListInboxAsync(new ListInboxRequest()).ResponseAsync);
        }
    }

    [Fact]
    public async Task ExpiredTokenIsRejected()
    {
        await using var shortLived = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Identity:AccessTokenLifetime"] = "00:00:02" });
        using var client = await shortLived.ClientForUserAsync("sattarkhanov");
        Assert.NotNull(await client.Relay.ListInboxAsync(new ListInboxRequest()));
        // Its 2 s lifetime plus the services' 5 s allowance for clock skew.
        await Task.Delay(TimeSpan.FromSeconds(8));
        await AssertStatus(StatusCode.Unauthenticated, () => client.Relay.ListInboxAsync(new ListInboxRequest()).ResponseAsync);
    }

    [Fact]
    public async Task OfficerCannotListAnotherOfficersInbox()
    {
        using var client = await fixture.System.ClientForUserAsync("sattarkhanov");
        await AssertStatus(StatusCode.PermissionDenied, () => client.Relay.ListInboxAsync(new ListInboxRequest { Recipient = "uz-cus-khodjaev" }).ResponseAsync);
    }

    [Fact]
    public async Task OnlyRecipientsCanAcknowledgeAndNonAuditorsCannotReadTheTrail()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        using var outsider = await fixture.System.ClientForUserAsync("asanov");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Priority, Subject = "For Khodjaev only", Body = "…",
        });
        await AssertStatus(StatusCode.NotFound, () => outsider.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = sent.MessageId }).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => outsider.Audit.ListTrailAsync(new Protos.Audit.V1.ListTrailRequest { ObjectId = sent.MessageId }).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => sender.Audit.AppendAsync(new Protos.Audit.V1.AppendRequest()).ResponseAsync);
    }

    [Theory]
    [InlineData("no recipients", "action_recipients")]
    [InlineData("body over the limit", "body")]
    [InlineData("unknown precedence", "precedence")]
    [InlineData("unknown recipient", "action_recipients[0]")]
    public async Task BadSendIsRejectedNamingTheFieldAndNothingIsStored(string problem, string field)
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        using var recipient = await fixture.System.ClientForUserAsync("khodjaev");
        var subject = $"Bad send: {problem} {Guid.NewGuid():n}";
        var request = new SendMessageRequest { ClientMessageId = Guid.NewGuid().ToString(), Precedence = Precedence.Flash, Subject = subject, Body = "text" };
        request.ActionRecipients.Add("uz-cus-khodjaev");
        switch (problem)
        {
            case "no recipients": request.ActionRecipients.Clear(); break;
            case "body over the limit": request.Body = new string('x', 8001); break;
            case "unknown precedence": request.Precedence = (Precedence)42; break;
            case "unknown recipient": request.ActionRecipients[0] = "nobody-at-all"; break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => sender.Relay.SendMessageAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violations = ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations;
        Assert.Contains(violations, v => v.Field == field);

        var inbox = await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 });
        Assert.DoesNotContain(inbox.Items, i => i.Subject == subject);
    }

    [Fact]
    public async Task RetryWithSameClientMessageIdReturnsTheOriginalAndDifferentContentIsRejected()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var request = new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kg-bs-asanov" }, Precedence = Precedence.Immediate, Subject = "Idempotent", Body = "Once",
        };
        var first = await sender.Relay.SendMessageAsync(request);
        var retry = await sender.Relay.SendMessageAsync(request);
        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.True(retry.Duplicate);

        request.Body = "Different";
        await AssertStatus(StatusCode.AlreadyExists, () => sender.Relay.SendMessageAsync(request).ResponseAsync);
    }

    [Fact]
    public async Task RestrictedFieldsGoOnlyToTheOfficersOwnAgency()
    {
        using var colleague = await fixture.System.ClientForUserAsync("sattarkhanov");
        using var outsider = await fixture.System.ClientForUserAsync("khodjaev");
        var inside = await colleague.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-qasymov" });
        var outside = await outsider.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-qasymov" });
        Assert.Equal("CONFIDENTIAL", inside.Restricted.Clearance);
        Assert.Null(outside.Restricted);
    }

    private static async Task AssertStatus<T>(StatusCode expected, Func<Task<T>> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(expected, ex.StatusCode);
    }

    private static string Base64Url(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }
}
