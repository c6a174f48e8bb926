using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>A FLASH to a desk that nobody acknowledges escalates along the desk's roster, step by step, across a relay restart.</summary>
public sealed class EscalationTests : IAsyncLifetime
{
    private const string Desk = "kz-bs-test-escalation-desk";
    private RunningSystem _system = null!;

    public async Task InitializeAsync()
    {
        // FLASH deadlines shortened from 10 minutes to 2 seconds; each escalation step waits as long again.
        _system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Relay:Deadlines:Flash"] = "00:00:02" });
        using var admin = await _system.ClientForUserAsync("abenov");
        await admin.DirectoryAdmin.PutDeskAsync(new PutDeskRequest
        {
            Desk = new DeskInput
            {
                Id = Desk, Name = "Escalation test desk", TimeZone = "Asia/Almaty", Supervisor = "kz-bs-ghabdullin", EscalationDesk = "kz-bs-national-desk",
                Roster = { new Shift { Days = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }, Start = "00:00", End = "00:00", Primary = "kz-bs-sattarkhanov", Backup = "kz-bs-qasymov" } },
            },
        });
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task UnacknowledgedFlashGoesToTheBackupThenTheSupervisorAndEachStepIsAudited()
    {
        using var sender = await _system.ClientForUserAsync("khodjaev");
        var sent = await SendAsync(sender);
        Assert.Equal(["kz-bs-sattarkhanov"], await RecipientsAsync(sender, sent, 1));
        Assert.Equal(["kz-bs-ghabdullin", "kz-bs-qasymov", "kz-bs-sattarkhanov"], await RecipientsAsync(sender, sent, 3, TimeSpan.FromSeconds(20)));

        using var auditor = await _system.ClientForUserAsync("omarova");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<AuditEvent> trail;
        do
        {
            await Task.Delay(300);
            trail = [.. (await auditor.Audit.ListTrailAsync(new ListTrailRequest { ObjectId = sent, PageSize = 100 })).Entries.Select(e => e.Event)];
        }
        while (!trail.Any(e => e.Action == "message.escalation_exhausted") && DateTime.UtcNow < deadline);

        var steps = trail.Where(e => e.Action == "message.escalated").ToList();
        Assert.Equal(2, steps.Count);
        Assert.Contains("backup", steps[0].Related);
        Assert.Contains("kz-bs-qasymov", steps[0].Related);
        Assert.Contains("supervisor", steps[1].Related);
        Assert.Contains("kz-bs-ghabdullin", steps[1].Related);
        // The national desk's officer on duty is the supervisor already reached: the roster is exhausted, once.
        Assert.Single(trail, e => e.Action == "message.escalation_exhausted");

        // Recipients see it too: the backup has it in their inbox as an action message.
        using var backup = await _system.ClientForUserAsync("sattarkhanov");
        var item = (await backup.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items.Single(i => i.MessageId == sent);
        Assert.Equal(RecipientRole.Action, item.Role);
    }

    [Fact]
    public async Task AcknowledgingInTimeStopsTheEscalation()
    {
        using var sender = await _system.ClientForUserAsync("khodjaev");
        using var primary = await _system.ClientForUserAsync("sattarkhanov");
        var sent = await SendAsync(sender);
        await primary.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = sent });
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal(["kz-bs-sattarkhanov"], await RecipientsAsync(sender, sent, 1));
    }

    [Fact]
    public async Task TheDeadlineSurvivesARelayRestart()
    {
        using var sender = await _system.ClientForUserAsync("khodjaev");
        var sent = await SendAsync(sender);
        await _system.StopServiceAsync(ServiceKind.Relay);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await _system.StartServiceAsync(ServiceKind.Relay);
        Assert.Contains("kz-bs-qasymov", await RecipientsAsync(sender, sent, 2, TimeSpan.FromSeconds(15)));
    }

    private static async Task<string> SendAsync(Client.LiaisonClient sender) => (await sender.Relay.SendMessageAsync(new SendMessageRequest
    {
        ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { $"desk:{Desk}" }, Precedence = Precedence.Flash,
        Subject = "Armed group sighted near the crossing", Body = "Request immediate confirmation.",
    })).MessageId;

    /// <summary>The message's recipients as its sender's receipts show them, once there are at least <paramref name="count"/>.</summary>
    private static async Task<List<string>> RecipientsAsync(Client.LiaisonClient sender, string messageId, int count, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? TimeSpan.Zero);
        while (true)
        {
            var receipts = (await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = messageId })).Receipts.Select(r => r.RecipientId).Order().ToList();
            if (receipts.Count >= count || DateTime.UtcNow > deadline)
            {
                return receipts;
            }

            await Task.Delay(250);
        }
    }
}

/// <summary>Messages past their expiry are purged on schedule; the trail keeps their hash.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task AnExpiredMessageIsPurgedAndTheTrailKeepsItsHash()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Relay:PurgeInterval"] = "00:00:01" });
        using var sender = await system.ClientForUserAsync("sattarkhanov");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine,
            Subject = "Short-lived notice", Body = "Valid for three seconds.",
            ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(3)),
        });
        using var recipient = await system.ClientForUserAsync("khodjaev");
        Assert.Contains((await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items, i => i.MessageId == sent.MessageId);

        using var auditor = await system.ClientForUserAsync("omarova");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<AuditEvent> trail;
        do
        {
            await Task.Delay(500);
            trail = [.. (await auditor.Audit.ListTrailAsync(new ListTrailRequest { ObjectId = sent.MessageId, PageSize = 100 })).Entries.Select(e => e.Event)];
        }
        while (!trail.Any(e => e.Action == "message.expired") && DateTime.UtcNow < deadline);

        var expired = Assert.Single(trail, e => e.Action == "message.expired");
        Assert.Equal(trail.Single(e => e.Action == "message.sent").ContentHash, expired.ContentHash);
        Assert.DoesNotContain((await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items, i => i.MessageId == sent.MessageId);
        var gone = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task PurgingTheNewestInboxItemNeverFreesItsCursor()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Relay:PurgeInterval"] = "00:00:01" });
        using var sender = await system.ClientForUserAsync("sattarkhanov");
        using var recipient = await system.ClientForUserAsync("rahimov");
        var first = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "tj-dca-rahimov" }, Precedence = Precedence.Routine, Subject = "Gone soon",
            ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(2)),
        });
        var highest = (await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items.Max(i => i.Cursor);

        // Wait until the newest item has been purged.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items.Any(i => i.MessageId == first.MessageId))
        {
            Assert.True(DateTime.UtcNow < deadline, "the expired message was not purged within 20 s");
            await Task.Delay(250);
        }

        var second = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "tj-dca-rahimov" }, Precedence = Precedence.Routine, Subject = "After the purge",
        });

        // A client resuming from the highest cursor it saw still gets the new message.
        var resumed = await recipient.Relay.ListInboxAsync(new ListInboxRequest { AfterCursor = highest, Limit = 200 });
        var item = Assert.Single(resumed.Items);
        Assert.Equal(second.MessageId, item.MessageId);
        Assert.True(item.Cursor > highest, $"cursor {item.Cursor} was handed out before (highest {highest})");
    }
}
