using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>What a message carries besides its text, and what its recipients did with it.</summary>
public sealed class ReceiptsAndReplyCodesTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task HandlingEvaluationMarkingCaseAndExpiryReachTheRecipient()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var expires = DateTimeOffset.UtcNow.AddDays(30);
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Immediate,
            Subject = "Convoy of three trucks", Body = "Registration 01 A 123 BC; cargo declared as cotton.",
            HandlingCode = HandlingCode.H2, Evaluation = new Evaluation { SourceReliability = "B", InformationAssessment = "2" },
            Classification = "ҚҰПИЯ / SECRET (KZ)", CaseId = "KZ-2026-0415", ExpiresAt = Timestamp.FromDateTimeOffset(expires),
        });

        using var recipient = await fixture.System.ClientForUserAsync("khodjaev");
        var item = (await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items.Single(i => i.MessageId == sent.MessageId);
        Assert.Equal(HandlingCode.H2, item.HandlingCode);
        Assert.Equal("B", item.Evaluation.SourceReliability);
        Assert.Equal("2", item.Evaluation.InformationAssessment);
        Assert.Equal("ҚҰПИЯ / SECRET (KZ)", item.Classification);
        Assert.Equal("KZ-2026-0415", item.CaseId);
        Assert.Equal(expires.ToUnixTimeMilliseconds(), item.ExpiresAt.ToDateTimeOffset().ToUnixTimeMilliseconds());

        // A reply threads to it; a reply to a message the sender never saw is refused.
        var answer = await recipient.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Immediate,
            Subject = "Re: Convoy", Body = "Stopped at Oybek.", InReplyTo = sent.MessageId,
        });
        Assert.NotEmpty(answer.MessageId);
        using var stranger = await fixture.System.ClientForUserAsync("rahimov");
        var refused = await Assert.ThrowsAsync<RpcException>(() => stranger.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine,
            Subject = "Re: Convoy", Body = "…", InReplyTo = sent.MessageId,
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    [Fact]
    public async Task BadFieldsAreNamed()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var error = await Assert.ThrowsAsync<RpcException>(() => sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine, Subject = "S", Body = "B",
            HandlingCode = HandlingCode.H3, Evaluation = new Evaluation { SourceReliability = "Z", InformationAssessment = "9" },
            ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)),
        }).ResponseAsync);
        var fields = error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).ToList();
        Assert.Equal(["handling_note", "evaluation.source_reliability", "evaluation.information_assessment", "expires_at"], fields);
    }

    [Fact]
    public async Task ReadWilcoAndCantcoShowInTheSendersReceiptsAndTheTrail()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev", "kg-bs-asanov" }, InfoRecipients = { "tj-dca-rahimov" },
            Precedence = Precedence.Flash, Subject = "Stop vehicle 01 A 123 BC", Body = "At the first checkpoint.",
        });

        using var khodjaev = await fixture.System.ClientForUserAsync("khodjaev");
        using var asanov = await fixture.System.ClientForUserAsync("asanov");
        using var rahimov = await fixture.System.ClientForUserAsync("rahimov");
        Assert.False((await khodjaev.Relay.MarkReadAsync(new MarkReadRequest { MessageId = sent.MessageId })).AlreadyRead);
        Assert.True((await khodjaev.Relay.MarkReadAsync(new MarkReadRequest { MessageId = sent.MessageId })).AlreadyRead);
        await khodjaev.Relay.ReplyAsync(new ReplyRequest { MessageId = sent.MessageId, Code = ReplyCode.Wilco });

        var noReason = await Assert.ThrowsAsync<RpcException>(() => asanov.Relay.ReplyAsync(new ReplyRequest { MessageId = sent.MessageId, Code = ReplyCode.Cantco }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        await asanov.Relay.ReplyAsync(new ReplyRequest { MessageId = sent.MessageId, Code = ReplyCode.Cantco, Reason = "The vehicle left my sector before the message arrived." });

        var informationOnly = await Assert.ThrowsAsync<RpcException>(() => rahimov.Relay.ReplyAsync(new ReplyRequest { MessageId = sent.MessageId, Code = ReplyCode.Wilco }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, informationOnly.StatusCode);

        var receipts = (await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId })).Receipts.ToDictionary(r => r.RecipientId);
        Assert.Equal(ReplyCode.Wilco, receipts["uz-cus-khodjaev"].ReplyCode);
        Assert.NotNull(receipts["uz-cus-khodjaev"].ReadAt);
        Assert.NotNull(receipts["uz-cus-khodjaev"].AcknowledgedAt);
        Assert.Equal(ReplyCode.Cantco, receipts["kg-bs-asanov"].ReplyCode);
        Assert.Equal("The vehicle left my sector before the message arrived.", receipts["kg-bs-asanov"].ReplyReason);
        Assert.Null(receipts["tj-dca-rahimov"].AcknowledgedAt);

        // Only the sender sees receipts.
        var notSender = await Assert.ThrowsAsync<RpcException>(() => khodjaev.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notSender.StatusCode);

        using var auditor = await fixture.System.ClientForUserAsync("omarova");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<string> actions;
        do
        {
            await Task.Delay(200);
            actions = [.. (await auditor.Audit.ListTrailAsync(new ListTrailRequest { ObjectId = sent.MessageId, PageSize = 100 })).Entries.Select(e => e.Event.Action)];
        }
        while (!actions.Contains("message.reply.cantco") && DateTime.UtcNow < deadline);

        Assert.Contains("message.read", actions);
        Assert.Contains("message.reply.wilco", actions);
        Assert.Contains("message.reply.cantco", actions);
        Assert.Equal(2, actions.Count(a => a == "message.acknowledged"));
    }
}
