using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Live;
using LiaisonNet.Relay.Messages;
using LiaisonNet.Relay.Recipients;
using LiaisonNet.Relay.Storage;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Relay.Grpc;

public sealed class RelayGrpcService(RelayStore store, RecipientResolver recipients, InboxNotifier notifier, IOptions<RelayOptions> options, TimeProvider clock)
    : RelayService.RelayServiceBase
{
    private const int MaxInboxPage = 200;
    private const int StreamBatch = 100;
    private static readonly TimeSpan StreamHeartbeat = TimeSpan.FromSeconds(30);

    public override async Task<SendMessageResponse> SendMessage(SendMessageRequest request, ServerCallContext context)
    {
        var caller = context.GetHttpContext().User;
        SendRules.Check(request, clock.GetUtcNow()).ThrowIfAny();
        if (request.InReplyTo.Length > 0 && !await store.CanReferenceAsync(caller.SubjectId(), request.InReplyTo, context.CancellationToken))
        {
            throw RpcErrors.InvalidArgument("in_reply_to", "Not a message you sent or received.");
        }

        var resolved = await recipients.ResolveAsync(request, context.CancellationToken);

        // The sender is whoever the token says, never a field of the request.
        var sender = new Sender(caller.SubjectId(), caller.DisplayName(), caller.Agency());
        try
        {
            var outcome = await store.SendAsync(sender, request, resolved, SendRules.AcknowledgeWithin(request.Precedence, options.Value.Deadlines), context.CancellationToken);
            return new SendMessageResponse
            {
                MessageId = outcome.MessageId,
                AcceptedAt = Timestamp.FromDateTimeOffset(outcome.AcceptedAt),
                Duplicate = outcome.Duplicate,
            };
        }
        catch (ClientMessageIdConflictException ex)
        {
            throw RpcErrors.AlreadyExists(ex.Message);
        }
    }

    public override async Task<ListInboxResponse> ListInbox(ListInboxRequest request, ServerCallContext context)
    {
        var recipient = InboxOwner(request.Recipient, context);
        var limit = request.Limit == 0 ? 50 : request.Limit;
        new FieldViolations()
            .Require(limit is > 0 and <= MaxInboxPage, "limit", $"1 to {MaxInboxPage}.")
            .Require(request.AfterCursor >= 0, "after_cursor", "Must not be negative.")
            .ThrowIfAny();

        var items = await store.ReadInboxAsync(recipient, request.AfterCursor, limit, context.CancellationToken);
        return new ListInboxResponse { Items = { items }, NextCursor = items.Count > 0 ? items[^1].Cursor : request.AfterCursor };
    }

    public override async Task<AcknowledgeResponse> Acknowledge(AcknowledgeRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.").ThrowIfAny();
        var caller = context.GetHttpContext().User.SubjectId();
        var outcome = await store.AcknowledgeAsync(caller, request.MessageId, context.CancellationToken)
            ?? throw RpcErrors.NotFound($"Message '{request.MessageId}' is not in your inbox.");
        return new AcknowledgeResponse { AcknowledgedAt = Timestamp.FromDateTimeOffset(outcome.AcknowledgedAt), AlreadyAcknowledged = outcome.AlreadyAcknowledged };
    }

    public override async Task<MarkReadResponse> MarkRead(MarkReadRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.").ThrowIfAny();
        var outcome = await store.MarkReadAsync(context.GetHttpContext().User.SubjectId(), request.MessageId, context.CancellationToken)
            ?? throw RpcErrors.NotFound($"Message '{request.MessageId}' is not in your inbox.");
        return new MarkReadResponse { ReadAt = Timestamp.FromDateTimeOffset(outcome.ReadAt), AlreadyRead = outcome.Already };
    }

    public override async Task<ReplyResponse> Reply(ReplyRequest request, ServerCallContext context)
    {
        new FieldViolations()
            .Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.")
            .Require(request.Code is ReplyCode.Wilco or ReplyCode.Havco or ReplyCode.Cantco, "code", "WILCO, HAVCO or CANTCO.")
            .Require(request.Code != ReplyCode.Cantco || request.Reason.Trim().Length > 0, "reason", "CANTCO says why.")
            .Require(request.Reason.Length <= SendRules.MaxReasonLength, "reason", $"At most {SendRules.MaxReasonLength} characters.")
            .ThrowIfAny();
        try
        {
            var at = await store.ReplyAsync(context.GetHttpContext().User.SubjectId(), request.MessageId, request.Code, request.Reason.Trim(), context.CancellationToken)
                ?? throw RpcErrors.NotFound($"Message '{request.MessageId}' is not in your inbox.");
            return new ReplyResponse { RepliedAt = Timestamp.FromDateTimeOffset(at) };
        }
        catch (ReplyNotAllowedException ex)
        {
            throw RpcErrors.FailedPrecondition(ex.Message);
        }
    }

    public override async Task<GetReceiptsResponse> GetReceipts(GetReceiptsRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.").ThrowIfAny();
        var receipts = await store.ReceiptsAsync(context.GetHttpContext().User.SubjectId(), request.MessageId, context.CancellationToken)
            ?? throw RpcErrors.NotFound($"You sent no message '{request.MessageId}'.");
        return new GetReceiptsResponse { Receipts = { receipts } };
    }

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<InboxItem> responseStream, ServerCallContext context)
    {
        new FieldViolations().Require(request.AfterCursor >= 0, "after_cursor", "Must not be negative.").ThrowIfAny();
        var recipient = context.GetHttpContext().User.SubjectId();
        var cursor = request.AfterCursor;
        var cancellation = context.CancellationToken;
        while (!cancellation.IsCancellationRequested)
        {
            var change = notifier.NextChange(recipient);
            var items = await store.ReadInboxAsync(recipient, cursor, StreamBatch, cancellation);
            foreach (var item in items)
            {
                await responseStream.WriteAsync(item, cancellation);
                cursor = item.Cursor;
            }

            if (items.Count < StreamBatch)
            {
                try
                {
                    await change.WaitAsync(StreamHeartbeat, cancellation);
                }
                catch (TimeoutException)
                {
                    // Nothing new for a while: look again, which also notices a wake-up lost to a race.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Only the owner reads an inbox (desk staff come with desks).</summary>
    private static string InboxOwner(string requested, ServerCallContext context)
    {
        var caller = context.GetHttpContext().User.SubjectId();
        if (requested.Length > 0 && !string.Equals(requested, caller, StringComparison.Ordinal))
        {
            throw RpcErrors.PermissionDenied("You may read only your own inbox.");
        }

        return caller;
    }
}
