using Grpc.Core;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>H2: not to be passed on outside the recipient's agency without the originator's recorded permission.</summary>
public sealed class ForwardingTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task AnH2MessageLeavesTheAgencyOnlyWithTheOriginatorsPermission()
    {
        using var originator = await fixture.System.ClientForUserAsync("sattarkhanov");   // KZ-BS
        using var recipient = await fixture.System.ClientForUserAsync("khodjaev");        // UZ-CUS
        using var stranger = await fixture.System.ClientForUserAsync("rahimov");          // TJ-DCA
        var sent = await originator.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Priority,
            Subject = "Informant report", Body = "Source says the shipment moves on Friday.", HandlingCode = HandlingCode.H2, Classification = "SECRET (KZ)",
        });

        // Inside the recipient's own agency: allowed, and the copy keeps the handling code and marking.
        var inside = await recipient.Relay.ForwardAsync(new ForwardRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), MessageId = sent.MessageId, ActionRecipients = { "uz-cus-yusupova" }, Note = "For your shift.",
        });
        Assert.NotEmpty(inside.MessageId);

        // Outside it: refused until the originator grants.
        var outside = new ForwardRequest { ClientMessageId = Guid.NewGuid().ToString(), MessageId = sent.MessageId, ActionRecipients = { "kg-bs-asanov" } };
        var refused = await Assert.ThrowsAsync<RpcException>(() => recipient.Relay.ForwardAsync(outside).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        var first = await recipient.Relay.RequestForwardPermissionAsync(new RequestForwardPermissionRequest
        {
            MessageId = sent.MessageId, Recipients = { "kg-bs-asanov" }, Reason = "The shipment crosses at Dostuk.",
        });
        var notOriginator = await Assert.ThrowsAsync<RpcException>(() => stranger.Relay.DecideForwardPermissionAsync(new DecideForwardPermissionRequest { PermissionId = first.Id, Grant = true }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, notOriginator.StatusCode);

        var seen = await originator.Relay.ListForwardPermissionsAsync(new ListForwardPermissionsRequest { MessageId = sent.MessageId });
        Assert.Equal(PermissionStatus.Pending, Assert.Single(seen.Permissions).Status);
        await originator.Relay.DecideForwardPermissionAsync(new DecideForwardPermissionRequest { PermissionId = first.Id, Grant = false, Reason = "Not yet." });
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => recipient.Relay.ForwardAsync(outside).ResponseAsync)).StatusCode);

        var second = await recipient.Relay.RequestForwardPermissionAsync(new RequestForwardPermissionRequest { MessageId = sent.MessageId, Recipients = { "kg-bs-asanov" }, Reason = "Now urgent." });
        await originator.Relay.DecideForwardPermissionAsync(new DecideForwardPermissionRequest { PermissionId = second.Id, Grant = true });
        var forwarded = await recipient.Relay.ForwardAsync(outside);

        using var asanov = await fixture.System.ClientForUserAsync("asanov");
        var copy = (await asanov.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items.Single(i => i.MessageId == forwarded.MessageId);
        Assert.Equal(HandlingCode.H2, copy.HandlingCode);
        Assert.Equal("SECRET (KZ)", copy.Classification);
        Assert.Equal(sent.MessageId, copy.ForwardedFrom);
        Assert.Equal("Fwd: Informant report", copy.Subject);

        // Granted for asanov only: another outsider is still refused.
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => recipient.Relay.ForwardAsync(new ForwardRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), MessageId = sent.MessageId, ActionRecipients = { "tj-dca-rahimov" },
        }).ResponseAsync)).StatusCode);

        using var auditor = await fixture.System.ClientForUserAsync("omarova");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<string> actions;
        do
        {
            await Task.Delay(250);
            actions = [.. (await auditor.Audit.ListTrailAsync(new ListTrailRequest { ObjectId = sent.MessageId, PageSize = 100 })).Entries.Select(e => e.Event.Action)];
        }
        while (actions.Count(a => a == "message.forwarded") < 2 && DateTime.UtcNow < deadline);

        Assert.Equal(2, actions.Count(a => a == "message.forward_permission.requested"));
        Assert.Contains("message.forward_permission.refused", actions);
        Assert.Contains("message.forward_permission.granted", actions);
        Assert.Equal(2, actions.Count(a => a == "message.forwarded"));
    }

    [Fact]
    public async Task OtherHandlingCodesForwardFreelyAndStrangersCannotForward()
    {
        using var originator = await fixture.System.ClientForUserAsync("sattarkhanov");
        using var recipient = await fixture.System.ClientForUserAsync("khodjaev");
        using var stranger = await fixture.System.ClientForUserAsync("rahimov");
        var sent = await originator.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine,
            Subject = "Weekly summary", Body = "Nothing unusual.", HandlingCode = HandlingCode.H0,
        });
        Assert.NotEmpty((await recipient.Relay.ForwardAsync(new ForwardRequest { ClientMessageId = Guid.NewGuid().ToString(), MessageId = sent.MessageId, ActionRecipients = { "kg-bs-asanov" } })).MessageId);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => stranger.Relay.ForwardAsync(new ForwardRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), MessageId = sent.MessageId, ActionRecipients = { "kg-bs-asanov" },
        }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => recipient.Relay.RequestForwardPermissionAsync(new RequestForwardPermissionRequest
        {
            MessageId = sent.MessageId, Recipients = { "kg-bs-asanov" },
        }).ResponseAsync)).StatusCode);
    }
}

/// <summary>One alert to a distribution list of desks across countries, with receipts per desk.</summary>
public sealed class DistributionListTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task AnAlertToAListReachesWhoeverStaffsEachDeskAndReceiptsShowTheDesk()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "list:bolo-afghan-border" }, Precedence = Precedence.Immediate,
            Subject = "BOLO: white Kamaz, plates 01 A 777 AA", Body = "Suspected of carrying precursors; stop and inspect.",
        });
        var receipts = (await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId })).Receipts;
        Assert.Equal(["af-bp-sher-khan-desk", "tj-dca-panj-desk", "uz-cus-oybek-desk"], receipts.Select(r => r.ViaDesk).Order());

        // Each desk's receipt names whoever the directory has on duty there right now.
        using var directory = await fixture.System.ClientForUserAsync("sattarkhanov");
        foreach (var receipt in receipts)
        {
            var desk = await directory.Directory.GetDeskAsync(new Protos.Directory.V1.GetDeskRequest { Id = receipt.ViaDesk });
            Assert.Equal(desk.OnDuty.Primary?.Id ?? desk.Supervisor, receipt.RecipientId);
        }

        var unknown = await Assert.ThrowsAsync<RpcException>(() => sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "list:no-such-list" }, Precedence = Precedence.Routine, Subject = "S", Body = "B",
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
    }
}
