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

public sealed class RelayGrpcService(
    SendStore sends, InboxStore inbox, DeskStore desks, SentStore sent, PermissionStore permissions, RecipientResolver recipients, DeskStaff staff, InboxNotifier notifier, IOptions<RelayOptions> options, TimeProvider clock,
    SendRateLimiter sendLimits, LiveStreams streams)
    : RelayService.RelayServiceBase
{
    private const int MaxInboxPage = 200;
    private const int StreamBatch = 100;

    public override async Task<SendMessageResponse> SendMessage(SendMessageRequest request, ServerCallContext context)
    {
        var caller = context.GetHttpContext().User;
        await sendLimits.ThrottleAsync(context, caller.SubjectId(), "sends");
        SendRules.Check(request, clock.GetUtcNow()).ThrowIfAny();
        if (request.InReplyTo.Length > 0 && !await sent.CanReferenceAsync(caller.SubjectId(), request.InReplyTo, context.CancellationToken))
        {
            throw RpcErrors.InvalidArgument("in_reply_to", "Not a message you sent or received.");
        }

        var resolved = await recipients.ResolveAsync(request, context.CancellationToken);

        // The sender is whoever the token says, never a field of the request; an automated sender goes by its directory entry's name.
        var sender = await SenderOfAsync(caller, context.CancellationToken);
        try
        {
            var outcome = await sends.SendAsync(sender, request, resolved, SendRules.AcknowledgeWithin(request.Precedence, options.Value.Deadlines), context.CancellationToken);
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

        var items = await inbox.ReadInboxAsync(recipient, request.AfterCursor, limit, context.CancellationToken);
        return new ListInboxResponse { Items = { items }, NextCursor = items.Count > 0 ? items[^1].Cursor : request.AfterCursor };
    }

    public override async Task<AcknowledgeResponse> Acknowledge(AcknowledgeRequest request, ServerCallContext context)
    {
        new FieldViolations()
            .Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.")
            .Require(request.DeskId.Length == 0 || EntryIds.IsValid(request.DeskId), "desk_id", $"A desk id: {EntryIds.Rule}")
            .ThrowIfAny();
        var caller = context.GetHttpContext().User;
        AcknowledgeOutcome? outcome;
        if (request.DeskId.Length > 0)
        {
            await staff.EnsureAsync(caller, request.DeskId, context.CancellationToken);
            outcome = await desks.ActForDeskAsync(caller.SubjectId(), request.DeskId, request.MessageId, null, context.CancellationToken)
                ?? throw RpcErrors.NotFound($"Message {RpcErrors.Quote(request.MessageId)} did not reach desk {RpcErrors.Quote(request.DeskId)}.");
        }
        else
        {
            outcome = await inbox.AcknowledgeAsync(caller.SubjectId(), request.MessageId, context.CancellationToken)
                ?? throw RpcErrors.NotFound($"Message {RpcErrors.Quote(request.MessageId)} is not in your inbox.");
        }

        return new AcknowledgeResponse { AcknowledgedAt = Timestamp.FromDateTimeOffset(outcome.AcknowledgedAt), AlreadyAcknowledged = outcome.AlreadyAcknowledged };
    }

    public override async Task<MarkReadResponse> MarkRead(MarkReadRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.").ThrowIfAny();
        var outcome = await inbox.MarkReadAsync(context.GetHttpContext().User.SubjectId(), request.MessageId, context.CancellationToken)
            ?? throw RpcErrors.NotFound($"Message {RpcErrors.Quote(request.MessageId)} is not in your inbox.");
        return new MarkReadResponse { ReadAt = Timestamp.FromDateTimeOffset(outcome.ReadAt), AlreadyRead = outcome.Already };
    }

    public override async Task<ReplyResponse> Reply(ReplyRequest request, ServerCallContext context)
    {
        new FieldViolations()
            .Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.")
            .Require(request.Code is ReplyCode.Wilco or ReplyCode.Havco or ReplyCode.Cantco, "code", "WILCO, HAVCO or CANTCO.")
            .Require(request.Code != ReplyCode.Cantco || request.Reason.Trim().Length > 0, "reason", "CANTCO says why.")
            .Require(request.Reason.Length <= SendRules.MaxReasonLength, "reason", $"At most {SendRules.MaxReasonLength} characters.")
            .Require(request.DeskId.Length == 0 || EntryIds.IsValid(request.DeskId), "desk_id", $"A desk id: {EntryIds.Rule}")
            .ThrowIfAny();
        var caller = context.GetHttpContext().User;
        try
        {
            if (request.DeskId.Length > 0)
            {
                await staff.EnsureAsync(caller, request.DeskId, context.CancellationToken);
                var forDesk = await desks.ActForDeskAsync(caller.SubjectId(), request.DeskId, request.MessageId, (request.Code, request.Reason.Trim()), context.CancellationToken)
                    ?? throw RpcErrors.NotFound($"Message {RpcErrors.Quote(request.MessageId)} did not reach desk {RpcErrors.Quote(request.DeskId)}.");
                return new ReplyResponse { RepliedAt = Timestamp.FromDateTimeOffset(forDesk.AcknowledgedAt) };
            }

            var at = await inbox.ReplyAsync(caller.SubjectId(), request.MessageId, request.Code, request.Reason.Trim(), context.CancellationToken)
                ?? throw RpcErrors.NotFound($"Message {RpcErrors.Quote(request.MessageId)} is not in your inbox.");
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
        var receipts = await sent.ReceiptsAsync(context.GetHttpContext().User.SubjectId(), request.MessageId, context.CancellationToken)
            ?? throw RpcErrors.NotFound($"You sent no message {RpcErrors.Quote(request.MessageId)}.");
        return new GetReceiptsResponse { Receipts = { receipts } };
    }

    public override async Task<SendMessageResponse> Forward(ForwardRequest request, ServerCallContext context)
    {
        var caller = context.GetHttpContext().User;
        await sendLimits.ThrottleAsync(context, caller.SubjectId(), "sends");
        new FieldViolations()
            .Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.")
            .Require(request.Note.Length <= 2000, "note", "At most 2,000 characters.")
            .ThrowIfAny();
        var original = await sent.OriginalAsync(caller.SubjectId(), request.MessageId, context.CancellationToken)
            ?? throw RpcErrors.NotFound($"Message {RpcErrors.Quote(request.MessageId)} is not one you sent or received.");
        var copy = new SendMessageRequest
        {
            ClientMessageId = request.ClientMessageId,
            ActionRecipients = { request.ActionRecipients },
            InfoRecipients = { request.InfoRecipients },
            Precedence = Precedence.Routine,
            Subject = $"Fwd: {original.Subject}"[..Math.Min(SendRules.MaxSubjectLength, original.Subject.Length + 5)],
            Body = request.Note.Length > 0 ? $"{request.Note}\n\n--- forwarded ---\n{original.Body}" : original.Body,
            HandlingCode = original.Meta.Handling,
            Classification = original.Meta.Classification,
            CaseId = original.Meta.CaseId,
            HandlingNote = original.Meta.HandlingNote,
        };
        if (original.Meta.SourceReliability is { } reliability && original.Meta.InformationAssessment is { } assessment)
        {
            copy.Evaluation = new Evaluation { SourceReliability = reliability, InformationAssessment = assessment };
        }

        SendRules.Check(copy, clock.GetUtcNow()).ThrowIfAny();
        var resolved = await recipients.ResolveAsync(copy, context.CancellationToken);

        // H2: not to be passed on outside the forwarder's agency without the originator's recorded permission.
        if (original.Meta.Handling == HandlingCode.H2 && original.SenderId != caller.SubjectId())
        {
            var outside = resolved.Where(r => r.Agency != caller.Agency()).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            var granted = (await permissions.PermissionsForMessageAsync(original.Id, context.CancellationToken))
                .Where(p => p.Permission.RequestedBy == caller.SubjectId() && p.Permission.Status == PermissionStatus.Granted)
                .SelectMany(p => p.Permission.Recipients).ToHashSet(StringComparer.Ordinal);
            var missing = outside.Except(granted).Order(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                throw RpcErrors.PermissionDenied(
                    $"The message is H2: passing it outside your agency (to {string.Join(", ", missing)}) needs the originator's permission; ask with RequestForwardPermission.");
            }
        }

        var sender = await SenderOfAsync(caller, context.CancellationToken);
        try
        {
            var outcome = await sends.SendAsync(sender, copy, resolved, SendRules.AcknowledgeWithin(copy.Precedence, options.Value.Deadlines), context.CancellationToken,
                new Forwarding(original.Id, original.Agencies));
            return new SendMessageResponse { MessageId = outcome.MessageId, AcceptedAt = Timestamp.FromDateTimeOffset(outcome.AcceptedAt), Duplicate = outcome.Duplicate };
        }
        catch (ClientMessageIdConflictException ex)
        {
            throw RpcErrors.AlreadyExists(ex.Message);
        }
    }

    public override async Task<ForwardPermission> RequestForwardPermission(RequestForwardPermissionRequest request, ServerCallContext context)
    {
        var caller = context.GetHttpContext().User.SubjectId();
        var violations = new FieldViolations()
            .Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.")
            .Require(request.Recipients.Count is > 0 and <= SendRules.MaxRecipients, "recipients", $"1 to {SendRules.MaxRecipients} officer ids.")
            .Require(request.Reason.Length <= SendRules.MaxReasonLength, "reason", $"At most {SendRules.MaxReasonLength} characters.");
        SendRules.CheckOfficerIds(request.Recipients, "recipients", violations);
        violations.ThrowIfAny();
        // As for a send: every recipient is an officer the directory knows.
        await recipients.ConfirmOfficersAsync(request.Recipients, "recipients", context.CancellationToken);
        var original = await sent.OriginalAsync(caller, request.MessageId, context.CancellationToken)
            ?? throw RpcErrors.NotFound($"Message {RpcErrors.Quote(request.MessageId)} is not one you received.");
        if (original.Meta.Handling != HandlingCode.H2)
        {
            throw RpcErrors.FailedPrecondition("Only H2 messages need the originator's permission to be passed on.");
        }

        return await permissions.RequestPermissionAsync(original, caller, [.. request.Recipients.Distinct(StringComparer.Ordinal)], request.Reason.Trim(), context.CancellationToken);
    }

    public override async Task<ForwardPermission> DecideForwardPermission(DecideForwardPermissionRequest request, ServerCallContext context)
    {
        new FieldViolations()
            .Require(request.PermissionId.Length is > 0 and <= 100, "permission_id", "Required.")
            .Require(request.Reason.Length <= SendRules.MaxReasonLength, "reason", $"At most {SendRules.MaxReasonLength} characters.")
            .ThrowIfAny();
        try
        {
            return await permissions.DecidePermissionAsync(request.PermissionId, context.GetHttpContext().User.SubjectId(), request.Grant, request.Reason.Trim(), context.CancellationToken)
                ?? throw RpcErrors.PermissionDenied("Only the originator of the message decides on passing it on.");
        }
        catch (ReplyNotAllowedException ex)
        {
            throw RpcErrors.FailedPrecondition(ex.Message);
        }
    }

    public override async Task<ListForwardPermissionsResponse> ListForwardPermissions(ListForwardPermissionsRequest request, ServerCallContext context)
    {
        new FieldViolations().Require(request.MessageId.Length is > 0 and <= 100, "message_id", "Required.").ThrowIfAny();
        var caller = context.GetHttpContext().User.SubjectId();
        var all = await permissions.PermissionsForMessageAsync(request.MessageId, context.CancellationToken);
        return new ListForwardPermissionsResponse
        {
            Permissions = { all.Where(p => p.Originator == caller || p.Permission.RequestedBy == caller).Select(p => p.Permission) },
        };
    }

    public override async Task<ListDeskItemsResponse> ListDeskItems(ListDeskItemsRequest request, ServerCallContext context)
    {
        var limit = request.Limit == 0 ? 50 : request.Limit;
        new FieldViolations()
            .Require(EntryIds.IsValid(request.DeskId), "desk_id", $"A desk id: {EntryIds.Rule}")
            .Require(limit is > 0 and <= MaxInboxPage, "limit", $"1 to {MaxInboxPage}.")
            .Require(request.PageToken.Length <= 100, "page_token", "Pass the next_page_token of the previous page.")
            .ThrowIfAny();
        await staff.EnsureAsync(context.GetHttpContext().User, request.DeskId, context.CancellationToken);
        var (items, next) = await desks.DeskItemsAsync(request.DeskId, request.IncludeAcknowledged, request.PageToken.Length > 0 ? request.PageToken : null, limit,
            context.CancellationToken);
        return new ListDeskItemsResponse { Items = { items }, NextPageToken = next ?? string.Empty };
    }

    public override async Task<ListSentResponse> ListSent(ListSentRequest request, ServerCallContext context)
    {
        var limit = request.Limit == 0 ? 20 : request.Limit;
        new FieldViolations()
            .Require(limit is > 0 and <= 100, "limit", "1 to 100.")
            .Require(request.PageToken.Length <= 100, "page_token", "Pass the next_page_token of the previous page.")
            .ThrowIfAny();
        var (messages, next) = await sent.SentAsync(context.GetHttpContext().User.SubjectId(), request.PageToken.Length > 0 ? request.PageToken : null, limit,
            context.CancellationToken);
        return new ListSentResponse { Messages = { messages }, NextPageToken = next ?? string.Empty };
    }

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<InboxItem> responseStream, ServerCallContext context)
    {
        new FieldViolations().Require(request.AfterCursor >= 0, "after_cursor", "Must not be negative.").ThrowIfAny();
        var recipient = context.GetHttpContext().User.SubjectId();
        using var open = streams.Open.TryOpen(recipient) ?? throw new RpcException(new Status(StatusCode.ResourceExhausted,
            $"At most {streams.Open.Max} live inbox streams per user at once; close one first."));
        var cursor = request.AfterCursor;
        var cancellation = context.CancellationToken;
        while (!cancellation.IsCancellationRequested)
        {
            var change = notifier.NextChange(recipient);
            var items = await inbox.ReadInboxAsync(recipient, cursor, StreamBatch, cancellation);
            foreach (var item in items)
            {
                await responseStream.WriteAsync(item, cancellation);
                cursor = item.Cursor;
            }

            if (items.Count < StreamBatch)
            {
                try
                {
                    await change.WaitAsync(notifier.LookAgainAfter, cancellation);
                }
                catch (TimeoutException)
                {
                    // Nothing new for a while: look again, which also notices a signal lost to a race or to Redis being away.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<Sender> SenderOfAsync(System.Security.Claims.ClaimsPrincipal caller, CancellationToken cancellationToken) =>
        caller.IsServiceClient() && await recipients.SenderAsync(caller.SubjectId(), cancellationToken) is { } entry
            ? new Sender(entry.Id, entry.Name, entry.Agency)
            : new Sender(caller.SubjectId(), caller.DisplayName(), caller.Agency());

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
