using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>Any of a desk's staff lists the desk's open messages and acknowledges or replies for the desk.</summary>
public sealed class DeskStaffTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private const string Desk = "kz-bs-khorgos-desk";

    private RunningSystem System => fixture.System;

    [Fact]
    public async Task AnAssignedDeskOperatorSeesTheDesksMessagesAndAcknowledgesForTheDesk()
    {
        using var clerk = await ClerkAsync("kz.khorgos.clerk");
        using var sender = await System.ClientForUserAsync("khodjaev");
        var sent = await SendToDeskAsync(sender, "Truck convoy at the gate");

        var open = await clerk.Client.Relay.ListDeskItemsAsync(new ListDeskItemsRequest { DeskId = Desk });
        var item = Assert.Single(open.Items, i => i.Message.MessageId == sent);
        Assert.Equal("Truck convoy at the gate", item.Message.Subject);
        Assert.Equal(Desk, item.Message.ViaDesk);
        Assert.Single(item.Reached);
        Assert.Equal(string.Empty, item.AcknowledgedBy);

        // The clerk never received it, yet acknowledges for the desk; the sender's receipt names the desk and the clerk.
        var ack = await clerk.Client.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = sent, DeskId = Desk });
        Assert.False(ack.AlreadyAcknowledged);
        var receipt = Assert.Single((await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent })).Receipts);
        Assert.Equal(Desk, receipt.ViaDesk);
        Assert.Equal(clerk.Id, receipt.AcknowledgedBy);
        Assert.NotNull(receipt.AcknowledgedAt);

        Assert.DoesNotContain((await clerk.Client.Relay.ListDeskItemsAsync(new ListDeskItemsRequest { DeskId = Desk })).Items, i => i.Message.MessageId == sent);
        var all = await clerk.Client.Relay.ListDeskItemsAsync(new ListDeskItemsRequest { DeskId = Desk, IncludeAcknowledged = true });
        Assert.Equal(clerk.Id, Assert.Single(all.Items, i => i.Message.MessageId == sent).AcknowledgedBy);

        // A second acknowledgement for the desk changes nothing.
        Assert.True((await clerk.Client.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = sent, DeskId = Desk })).AlreadyAcknowledged);

        using var auditor = await System.ClientForUserAsync("omarova");
        var trail = await Expect.TrailAsync(auditor, sent, "message.acknowledged");
        var acknowledged = Assert.Single(trail, e => e.Action == "message.acknowledged");
        Assert.Equal(clerk.Id, acknowledged.Actor);
        Assert.Contains($"desk:{Desk}", acknowledged.Related);
    }

    [Fact]
    public async Task AnOfficerOnTheRosterRepliesForTheDesk()
    {
        using var sender = await System.ClientForUserAsync("khodjaev");
        var sent = await SendToDeskAsync(sender, "Confirm the handover");
        using var rostered = await System.ClientForUserAsync("sattarkhanov");
        await rostered.Relay.ReplyAsync(new ReplyRequest { MessageId = sent, DeskId = Desk, Code = ReplyCode.Wilco });

        var receipt = Assert.Single((await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent })).Receipts);
        Assert.Equal(ReplyCode.Wilco, receipt.ReplyCode);
        Assert.Equal(Desk, receipt.ViaDesk);
        Assert.NotNull(receipt.AcknowledgedAt);
        Assert.Equal("kz-bs-sattarkhanov", receipt.AcknowledgedBy);
    }

    [Fact]
    public async Task NobodyElseListsOrActsForTheDesk()
    {
        using var sender = await System.ClientForUserAsync("khodjaev");
        var sent = await SendToDeskAsync(sender, "Not for outsiders");
        foreach (var user in new[] { "khodjaev", "zhaksylykova", "omarova", "abenov" })
        {
            using var outsider = await System.ClientForUserAsync(user);
            await Expect.StatusAsync(StatusCode.PermissionDenied, () => outsider.Relay.ListDeskItemsAsync(new ListDeskItemsRequest { DeskId = Desk }).ResponseAsync);
            await Expect.StatusAsync(StatusCode.PermissionDenied, () => outsider.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = sent, DeskId = Desk }).ResponseAsync);
            await Expect.StatusAsync(StatusCode.PermissionDenied, () => outsider.Relay.ReplyAsync(new ReplyRequest { MessageId = sent, DeskId = Desk, Code = ReplyCode.Wilco }).ResponseAsync);
        }

        // A desk operator of another desk, and a desk the message never reached.
        using var clerk = await ClerkAsync("kz.other.clerk", "kz-bs-national-desk");
        await Expect.StatusAsync(StatusCode.PermissionDenied, () => clerk.Client.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = sent, DeskId = Desk }).ResponseAsync);
        await Expect.StatusAsync(StatusCode.NotFound, () => clerk.Client.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = sent, DeskId = "kz-bs-national-desk" }).ResponseAsync);
        await Expect.StatusAsync(StatusCode.NotFound, () => clerk.Client.Relay.ListDeskItemsAsync(new ListDeskItemsRequest { DeskId = "kz-bs-no-such-desk" }).ResponseAsync);

        var receipt = Assert.Single((await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent })).Receipts);
        Assert.Null(receipt.AcknowledgedAt);
    }

    private static async Task<string> SendToDeskAsync(LiaisonClient sender, string subject) =>
        (await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { $"desk:{Desk}" }, Precedence = Precedence.Immediate, Subject = subject,
        })).MessageId;

    private sealed record Clerk(string Id, LiaisonClient Client) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    /// <summary>A desk operator of KZ-BS, created by its administrator and assigned to <paramref name="desk"/>.</summary>
    private async Task<Clerk> ClerkAsync(string userName, string desk = Desk)
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var created = await admin.Accounts.CreateAccountAsync(new CreateAccountRequest
        {
            UserName = userName, DisplayName = "Desk clerk", Roles = { "desk-operator" }, Desks = { desk },
        });
        var token = await new OidcSignIn(System.Urls).AccessTokenForAsync(userName, created.InitialPassword);
        return new Clerk(created.Account.Id, new LiaisonClient(System.Endpoints, new StaticTokenSource(token)));
    }
}
