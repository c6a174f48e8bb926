using System.CommandLine;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiaisonNet.Cli.Output;
using LiaisonNet.Cli.Session;
using LiaisonNet.Client;
using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.Cli.Commands;

/// <summary><c>send</c>, <c>inbox</c>, <c>read</c>, <c>ack</c>, <c>reply</c>, <c>forward</c>, <c>receipts</c>, <c>sent</c>, <c>permissions</c>.</summary>
public static class MessageCommands
{
    private const int InboxPage = 200;

    public static void Add(RootCommand root, CliContext context)
    {
        AddSend(root, context);
        AddInbox(root, context);
        AddActions(root, context);
        AddForward(root, context);
        AddPermissions(root, context);
    }

    private static Option<string[]> Recipients(string name, string description) =>
        new(name) { Description = description, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.ZeroOrMore };

    private static void AddSend(RootCommand root, CliContext context)
    {
        var to = Recipients("--to", "Action recipients: officer ids, desk:ID (whoever is on duty), list:ID (a distribution list). Repeat or separate with commas.");
        var info = Recipients("--info", "Information recipients (see --to).");
        var subject = new Option<string>("--subject") { Description = "The subject line.", Required = true };
        var body = new Argument<string?>("body") { Description = "The text; or --file, or standard input.", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "Read the text from this file ('-' for standard input)." };
        var precedence = new Option<string?>("--precedence") { Description = "routine (default), priority, immediate or flash." };
        var handling = new Option<string?>("--handling") { Description = "Handling code H0 to H3 (H2: no forwarding without the originator's permission)." };
        var handlingText = new Option<string?>("--handling-text") { Description = "Conditions in words, for H3." };
        var evaluation = new Option<string?>("--evaluation") { Description = "Source and information evaluation, for example B2." };
        var marking = new Option<string?>("--marking") { Description = "A protective marking (as agreed between the agencies)." };
        var caseId = new Option<string?>("--case") { Description = "The case this message belongs to." };
        var replyTo = new Option<string?>("--reply-to") { Description = "The id of the message this answers." };
        var expires = new Option<string?>("--expires") { Description = "When the content stops being valid: a date and time, or 30m, 2h, 3d from now." };
        var id = new Option<string?>("--id") { Description = "The client message id; generated once and reused when the same send is retried." };
        var send = new Command("send", """
            Send a message. If the answer is lost, the send is retried with the same client message id, and running the
            same command again reuses it too: the relay stores the message once.
              Example: liaison send --to desk:tj-dca-panj-desk --precedence flash --subject "Vehicle KZ 123 ABC" "Request inspection on arrival."
            """) { to, info, subject, body, file, precedence, handling, handlingText, evaluation, marking, caseId, replyTo, expires, id };
        context.Online(send, async (parse, printer, connection, cancellation) =>
        {
            var request = new SendMessageRequest
            {
                ActionRecipients = { CliContext.Split(parse.GetValue(to)) },
                InfoRecipients = { CliContext.Split(parse.GetValue(info)) },
                Precedence = MessageCodes.Precedence(parse.GetValue(precedence)),
                Subject = parse.GetValue(subject) ?? string.Empty,
                Body = await BodyAsync(parse.GetValue(body), parse.GetValue(file), cancellation),
                HandlingCode = MessageCodes.Handling(parse.GetValue(handling)),
                HandlingNote = parse.GetValue(handlingText) ?? string.Empty,
                Classification = parse.GetValue(marking) ?? string.Empty,
                CaseId = parse.GetValue(caseId) ?? string.Empty,
                InReplyTo = parse.GetValue(replyTo) ?? string.Empty,
            };
            if (MessageCodes.Evaluation(parse.GetValue(evaluation)) is { } evaluated)
            {
                request.Evaluation = evaluated;
            }

            if (request.ActionRecipients.Count == 0 && request.InfoRecipients.Count == 0)
            {
                throw new UsageException("--to: name at least one recipient (an officer id, desk:ID or list:ID).");
            }

            // The fingerprint leaves out the expiry, which "2h" makes different on every run.
            var fingerprint = request.ToByteArray();
            if (parse.GetValue(expires) is { } expiry)
            {
                request.ExpiresAt = Timestamp.FromDateTimeOffset(Times.Parse(expiry, "--expires", DateTimeOffset.UtcNow));
            }

            using var client = connection.Client();
            var sent = await Retrying.SendAsync(connection, fingerprint, parse.GetValue(id), printer,
                clientId => client.Relay.SendMessageAsync(request.Clone().With(r => r.ClientMessageId = clientId), cancellationToken: cancellation).ResponseAsync, cancellation);
            printer.Record(sent, [("sent", sent.MessageId), ("accepted", Times.Local(sent.AcceptedAt)), ("client id", sent.ClientMessageId),
                ("", sent.Duplicate ? "already stored by an earlier try: stored once" : string.Empty)]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(send);
    }

    private static async Task<string> BodyAsync(string? argument, string? file, CancellationToken cancellationToken)
    {
        if (argument is not null && file is not null)
        {
            throw new UsageException("Give the text either as an argument or with --file, not both.");
        }

        if (argument is not null)
        {
            return argument;
        }

        if (file is null && !Console.IsInputRedirected)
        {
            return string.Empty;
        }

        if (file is null or "-")
        {
            return await Console.In.ReadToEndAsync(cancellationToken);
        }

        return File.Exists(file) ? await File.ReadAllTextAsync(file, cancellationToken) : throw new UsageException($"--file: {file} does not exist.", ExitCodes.NotFound);
    }

    private static void AddInbox(RootCommand root, CliContext context)
    {
        var watch = new Option<bool>("--watch") { Description = "Stay and show messages as they arrive, resuming from where the last watch stopped (the cursor is kept locally)." };
        var fromStart = new Option<bool>("--from-start") { Description = "With --watch: begin at the first message instead of the kept cursor." };
        var count = new Option<int?>("--count") { Description = "With --watch: stop after this many messages." };
        var limit = new Option<int>("--limit") { Description = "Show at most this many of the latest messages (default 50).", DefaultValueFactory = _ => 50 };
        var open = new Option<bool>("--open") { Description = "Only messages not yet acknowledged." };
        var desk = new Option<string?>("--desk") { Description = "A desk's open messages (its staff), instead of your own inbox." };
        var inbox = new Command("inbox", """
            Your inbox: precedence, time left to acknowledge, state. With --watch, new messages as they arrive.
              Example: liaison inbox --open
              Example: liaison inbox --watch --json      (one JSON object per line)
            """) { watch, fromStart, count, limit, open, desk };
        context.Online(inbox, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            if (parse.GetValue(watch))
            {
                return await WatchAsync(client, connection, printer, context.Error, parse.GetValue(fromStart), parse.GetValue(count), cancellation);
            }

            var max = parse.GetValue(limit);
            if (max is < 1 or > 10_000)
            {
                throw new UsageException("--limit: 1 to 10000.");
            }

            var rows = new List<MessageRow>();
            if (parse.GetValue(desk) is { } deskId)
            {
                var page = string.Empty;
                do
                {
                    var answer = await client.Relay.ListDeskItemsAsync(new ListDeskItemsRequest { DeskId = deskId, IncludeAcknowledged = !parse.GetValue(open), Limit = 100, PageToken = page },
                        cancellationToken: cancellation);
                    rows.AddRange(answer.Items.Select(i => MessageRow.Of(i.Message, i.AcknowledgedAt, i.AcknowledgedBy, i.ReplyCode)));
                    page = answer.NextPageToken;
                }
                while (page.Length > 0 && rows.Count < 10_000);
            }
            else
            {
                await foreach (var item in InboxAsync(client, 0, cancellation))
                {
                    if (!parse.GetValue(open) || !item.Acknowledged)
                    {
                        rows.Add(MessageRow.Of(item));
                    }
                }
            }

            var now = DateTimeOffset.UtcNow;
            var latest = rows.Count > max ? rows[^max..] : rows;
            printer.Rows(latest, ["id", "precedence", "from", "subject", "sent", "ack", "state", "via desk"],
                m => [m.MessageId, m.Precedence, m.SenderName, m.Subject, Times.Brief(m.SentAt), m.Acknowledged ? string.Empty : Times.Countdown(m.AcknowledgeBy, now), m.State, m.ViaDesk]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(inbox);

        var readId = new Argument<string>("id") { Description = "The message's id (see liaison inbox)." };
        var read = new Command("read", "Show a message whole and record that you read it.\n  Example: liaison read 0193a4c2-...") { readId };
        context.Online(read, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var messageId = parse.GetValue(readId) ?? string.Empty;
            InboxItem? found = null;
            await foreach (var item in InboxAsync(client, 0, cancellation))
            {
                if (item.MessageId == messageId)
                {
                    found = item;
                    break;
                }
            }

            if (found is null)
            {
                throw new UsageException($"Message '{messageId}' is not in your inbox.", ExitCodes.NotFound);
            }

            var marked = await client.Relay.MarkReadAsync(new MarkReadRequest { MessageId = messageId }, cancellationToken: cancellation);
            var message = MessageRow.Of(found) with { Read = true, State = found.Acknowledged ? MessageRow.Of(found).State : "read" };
            printer.Record(message, [("message", message.MessageId), ("from", $"{message.SenderName} ({message.SenderId})"), ("precedence", message.Precedence),
                ("handling", $"{message.Handling} {message.HandlingText}".Trim()), ("evaluation", message.Evaluation), ("marking", message.Marking), ("case", message.CaseId),
                ("in reply to", message.InReplyTo), ("forwarded from", message.ForwardedFrom), ("via desk", message.ViaDesk), ("sent", Times.Local(message.SentAt)),
                ("acknowledge by", message.Acknowledged ? "acknowledged" : $"{Times.Local(message.AcknowledgeBy)} ({Times.Countdown(message.AcknowledgeBy, DateTimeOffset.UtcNow)})"),
                ("expires", Times.Local(message.ExpiresAt)), ("read", marked.AlreadyRead ? $"already, {Times.Local(marked.ReadAt.ToDateTimeOffset())}" : "now"),
                ("subject", message.Subject)]);
            if (!printer.Json)
            {
                printer.Line(string.Empty);
                foreach (var line in message.Body.Split('\n'))
                {
                    printer.Line(Printer.Safe(line.TrimEnd('\r')));
                }
            }

            return ExitCodes.Ok;
        });
        root.Subcommands.Add(read);
    }

    /// <summary>Every item of the caller's inbox after <paramref name="after"/>, a page at a time.</summary>
    private static async IAsyncEnumerable<InboxItem> InboxAsync(LiaisonClient client, long after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await client.Relay.ListInboxAsync(new ListInboxRequest { AfterCursor = after, Limit = InboxPage }, cancellationToken: cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            if (page.Items.Count < InboxPage)
            {
                yield break;
            }

            after = page.NextCursor;
        }
    }

    /// <summary>
    /// The live inbox: everything after the kept cursor, then each message as it arrives; the cursor is saved after
    /// each message shown, so the next watch starts where this one stopped. A lost connection is retried, from the
    /// cursor, with a growing pause.
    /// </summary>
    private static async Task<int> WatchAsync(LiaisonClient client, Connection connection, Printer printer, TextWriter status, bool fromStart, int? count, CancellationToken cancellationToken)
    {
        var profile = Profile.ForUser();
        var cursorFile = Profile.NameFor("cursor", connection.Session.Server, connection.Subject);
        long cursor;
        if (fromStart)
        {
            cursor = 0;
        }
        else if (profile.Read<WatchCursor>(cursorFile) is { } kept)
        {
            cursor = kept.Cursor;
        }
        else
        {
            // The first watch begins now; liaison inbox shows what came before.
            cursor = 0;
            await foreach (var item in InboxAsync(client, 0, cancellationToken))
            {
                cursor = item.Cursor;
            }
        }

        status.WriteLine($"Watching the inbox of {connection.Subject} after cursor {cursor}; Ctrl+C stops.");
        status.Flush();
        var shown = 0;
        var pause = TimeSpan.FromSeconds(1);
        while (count is null || shown < count)
        {
            try
            {
                using var stream = client.Relay.Subscribe(new SubscribeRequest { AfterCursor = cursor }, cancellationToken: cancellationToken);
                await foreach (var item in stream.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    pause = TimeSpan.FromSeconds(1);
                    var row = MessageRow.Of(item);
                    if (printer.Json)
                    {
                        printer.JsonLine(row);
                    }
                    else
                    {
                        printer.Line(Printer.Safe($"{Times.Brief(row.SentAt)}  {row.Precedence,-9}  {row.SenderName}: {row.Subject}  [{row.MessageId}"
                            + (row.Acknowledged ? ", acknowledged]" : $", acknowledge {Times.Countdown(row.AcknowledgeBy, DateTimeOffset.UtcNow)}]")
                            + (row.ViaDesk.Length > 0 ? $" via {row.ViaDesk}" : string.Empty)));
                    }

                    printer.Out.Flush();
                    cursor = item.Cursor;
                    profile.Write(cursorFile, new WatchCursor(cursor));
                    if (count is { } stop && ++shown >= stop)
                    {
                        return ExitCodes.Ok;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.DeadlineExceeded)
            {
                status.WriteLine($"Connection lost ({ex.Status.Detail}); trying again in {pause.TotalSeconds:0} s from cursor {cursor}.");
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }

            try
            {
                await Task.Delay(pause, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Ok;
            }

            pause = TimeSpan.FromSeconds(Math.Min(30, pause.TotalSeconds * 2));
            await connection.GetAccessTokenAsync(cancellationToken);
        }

        return ExitCodes.Ok;
    }

    private static void AddActions(RootCommand root, CliContext context)
    {
        var ackId = new Argument<string>("id") { Description = "The message's id." };
        var ackDesk = new Option<string?>("--desk") { Description = "Acknowledge for this desk (as its staff or the officer on duty)." };
        var ack = new Command("ack", "Acknowledge a message: the sender sees it, and escalation stops.\n  Example: liaison ack 0193a4c2-... --desk tj-dca-panj-desk") { ackId, ackDesk };
        context.Online(ack, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var messageId = parse.GetValue(ackId) ?? string.Empty;
            var answer = await client.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = messageId, DeskId = parse.GetValue(ackDesk) ?? string.Empty }, cancellationToken: cancellation);
            var done = new Acted(messageId, "acknowledged", answer.AcknowledgedAt?.ToDateTimeOffset(), answer.AlreadyAcknowledged);
            printer.Record(done, [("acknowledged", messageId), ("at", Times.Local(done.At)), ("", done.Already ? "it was acknowledged before" : string.Empty)]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(ack);

        var replyId = new Argument<string>("id") { Description = "The message's id." };
        var code = new Argument<string>("code") { Description = "WILCO (will comply), HAVCO (have complied) or CANTCO (cannot comply: give --reason)." };
        var reason = new Option<string?>("--reason") { Description = "Why (required with CANTCO)." };
        var replyDesk = new Option<string?>("--desk") { Description = "Reply for this desk." };
        var reply = new Command("reply", "Answer a message with a reply code; it also acknowledges it.\n  Example: liaison reply 0193a4c2-... CANTCO --reason \"No team at the crossing until 18:00\"")
        {
            replyId, code, reason, replyDesk,
        };
        context.Online(reply, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var messageId = parse.GetValue(replyId) ?? string.Empty;
            var replyCode = MessageCodes.Reply(parse.GetValue(code) ?? string.Empty);
            var answer = await client.Relay.ReplyAsync(new ReplyRequest
            {
                MessageId = messageId, Code = replyCode, Reason = parse.GetValue(reason) ?? string.Empty, DeskId = parse.GetValue(replyDesk) ?? string.Empty,
            }, cancellationToken: cancellation);
            var done = new Acted(messageId, MessageCodes.Name(replyCode), answer.RepliedAt?.ToDateTimeOffset(), false);
            printer.Record(done, [("replied", $"{done.Action} to {messageId}"), ("at", Times.Local(done.At))]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(reply);

        var receiptsId = new Argument<string>("id") { Description = "The id of a message you sent." };
        var receipts = new Command("receipts", "Who received, read, acknowledged and answered a message you sent.\n  Example: liaison receipts 0193a4c2-...") { receiptsId };
        context.Online(receipts, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var answer = await client.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = parse.GetValue(receiptsId) ?? string.Empty }, cancellationToken: cancellation);
            var rows = answer.Receipts.Select(ReceiptRow.Of).ToList();
            printer.Rows(rows, ["recipient", "role", "via desk", "delivered", "read", "acknowledged", "by", "reply", "reason"],
                r => [r.RecipientId, r.Role, r.ViaDesk, Times.Brief(r.DeliveredAt), Times.Brief(r.ReadAt), Times.Brief(r.AcknowledgedAt), r.AcknowledgedBy, r.ReplyCode, r.ReplyReason]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(receipts);

        var sentLimit = new Option<int>("--limit") { Description = "At most this many of your latest messages (default 20).", DefaultValueFactory = _ => 20 };
        var sent = new Command("sent", "Messages you sent, latest first, with how many recipients acknowledged.\n  Example: liaison sent --limit 5") { sentLimit };
        context.Online(sent, async (parse, printer, connection, cancellation) =>
        {
            var max = parse.GetValue(sentLimit);
            if (max is < 1 or > 1000)
            {
                throw new UsageException("--limit: 1 to 1000.");
            }

            using var client = connection.Client();
            var rows = new List<SentRow>();
            var page = string.Empty;
            do
            {
                var answer = await client.Relay.ListSentAsync(new ListSentRequest { Limit = Math.Min(max - rows.Count, 100), PageToken = page }, cancellationToken: cancellation);
                rows.AddRange(answer.Messages.Select(SentRow.Of));
                page = answer.NextPageToken;
            }
            while (page.Length > 0 && rows.Count < max);
            printer.Rows(rows, ["id", "precedence", "subject", "sent", "acknowledged"],
                s => [s.MessageId, s.Precedence, s.Subject, Times.Brief(s.SentAt), $"{s.Receipts.Count(r => r.AcknowledgedAt is not null)} of {s.Receipts.Count(r => r.Role == "action")}"]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(sent);
    }

    private static void AddForward(RootCommand root, CliContext context)
    {
        var messageId = new Argument<string>("id") { Description = "The message to forward (from your inbox)." };
        var to = Recipients("--to", "Action recipients (officer ids, desk:ID, list:ID).");
        var info = Recipients("--info", "Information recipients.");
        var note = new Option<string?>("--note") { Description = "A note that goes with it." };
        var id = new Option<string?>("--id") { Description = "The client message id; generated once and reused when the same forward is retried." };
        var forward = new Command("forward", """
            Forward a message you received. H2 messages need the originator's permission first (liaison permissions request).
              Example: liaison forward 0193a4c2-... --to kz-bs-qasymov --note "For your shift"
            """) { messageId, to, info, note, id };
        context.Online(forward, async (parse, printer, connection, cancellation) =>
        {
            var request = new ForwardRequest
            {
                MessageId = parse.GetValue(messageId) ?? string.Empty, ActionRecipients = { CliContext.Split(parse.GetValue(to)) }, InfoRecipients = { CliContext.Split(parse.GetValue(info)) },
                Note = parse.GetValue(note) ?? string.Empty,
            };
            using var client = connection.Client();
            var sent = await Retrying.SendAsync(connection, request.ToByteArray(), parse.GetValue(id), printer,
                clientId => client.Relay.ForwardAsync(request.Clone().With(r => r.ClientMessageId = clientId), cancellationToken: cancellation).ResponseAsync, cancellation);
            printer.Record(sent, [("forwarded as", sent.MessageId), ("accepted", Times.Local(sent.AcceptedAt)), ("client id", sent.ClientMessageId)]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(forward);
    }

    private static void AddPermissions(RootCommand root, CliContext context)
    {
        var permissions = new Command("permissions", "Permissions to forward H2 messages: ask the originator, and grant or refuse what others ask of you.\n  Example: liaison permissions list 0193a4c2-...");

        var listId = new Argument<string>("message") { Description = "The message's id." };
        var list = new Command("list", "Requests to forward a message, and their decisions.\n  Example: liaison permissions list 0193a4c2-...") { listId };
        context.Online(list, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var answer = await client.Relay.ListForwardPermissionsAsync(new ListForwardPermissionsRequest { MessageId = parse.GetValue(listId) ?? string.Empty }, cancellationToken: cancellation);
            var rows = answer.Permissions.Select(PermissionRow.Of).ToList();
            printer.Rows(rows, ["id", "requested by", "to", "reason", "status", "decided by", "why"],
                p => [p.Id, p.RequestedBy, string.Join(", ", p.Recipients), p.Reason, p.Status, p.DecidedBy, p.DecisionReason]);
            return ExitCodes.Ok;
        });
        permissions.Subcommands.Add(list);

        var requestId = new Argument<string>("message") { Description = "The H2 message you want to forward." };
        var to = Recipients("--to", "Who you want to forward it to.");
        var why = new Option<string>("--reason") { Description = "Why they need it.", Required = true };
        var request = new Command("request", "Ask the originator for permission to forward an H2 message.\n  Example: liaison permissions request 0193a4c2-... --to kg-bs-asanov --reason \"Same vehicle seen at Dostuk\"")
        {
            requestId, to, why,
        };
        context.Online(request, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var asked = PermissionRow.Of(await client.Relay.RequestForwardPermissionAsync(new RequestForwardPermissionRequest
            {
                MessageId = parse.GetValue(requestId) ?? string.Empty, Recipients = { CliContext.Split(parse.GetValue(to)) }, Reason = parse.GetValue(why) ?? string.Empty,
            }, cancellationToken: cancellation));
            printer.Record(asked, [("requested", asked.Id), ("status", asked.Status)]);
            return ExitCodes.Ok;
        });
        permissions.Subcommands.Add(request);

        foreach (var (name, grant) in new[] { ("grant", true), ("refuse", false) })
        {
            var permissionId = new Argument<string>("permission") { Description = "The request's id (see liaison permissions list)." };
            var reason = new Option<string?>("--reason") { Description = "Why (shown to whoever asked)." };
            var decide = new Command(name, $"{(grant ? "Grant" : "Refuse")} a request to forward a message you originated.\n  Example: liaison permissions {name} 0193b001-... --reason \"...\"")
            {
                permissionId, reason,
            };
            context.Online(decide, async (parse, printer, connection, cancellation) =>
            {
                using var client = connection.Client();
                var decided = PermissionRow.Of(await client.Relay.DecideForwardPermissionAsync(new DecideForwardPermissionRequest
                {
                    PermissionId = parse.GetValue(permissionId) ?? string.Empty, Grant = grant, Reason = parse.GetValue(reason) ?? string.Empty,
                }, cancellationToken: cancellation));
                printer.Record(decided, [("permission", decided.Id), ("status", decided.Status)]);
                return ExitCodes.Ok;
            });
            permissions.Subcommands.Add(decide);
        }

        root.Subcommands.Add(permissions);
    }
}

/// <summary>Where the last inbox watch stopped.</summary>
public sealed record WatchCursor(long Cursor);

/// <summary>
/// Sends that must be stored once however often they are tried. The client message id is chosen once and kept in
/// the profile (under the request's fingerprint) until the relay has answered, so a retry within this run and a rerun
/// of the same command both use it. A lost answer is retried four times within the run (over 15 s).
/// </summary>
public static class Retrying
{
    private static readonly TimeSpan[] Pauses = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    public static async Task<SentResult> SendAsync(Connection connection, byte[] fingerprint, string? givenId, Printer printer,
        Func<string, Task<SendMessageResponse>> send, CancellationToken cancellationToken)
    {
        var profile = Profile.ForUser();
        var pendingFile = Profile.NameFor("pending", connection.Session.Server, connection.Subject, Convert.ToBase64String(SHA256.HashData(fingerprint)));
        profile.DeleteOlderThan("pending-", TimeSpan.FromDays(7));
        var clientId = givenId ?? profile.Read<PendingSend>(pendingFile)?.ClientMessageId ?? Guid.CreateVersion7().ToString();
        profile.Write(pendingFile, new PendingSend(clientId, DateTimeOffset.UtcNow));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var answer = await send(clientId);
                profile.Delete(pendingFile);
                return new SentResult(answer.MessageId, clientId, answer.AcceptedAt?.ToDateTimeOffset(), answer.Duplicate);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && attempt < Pauses.Length)
            {
                printer.Note($"No answer from the relay ({ex.Status.Detail}); trying again in {Pauses[attempt].TotalSeconds:0} s with the same id.");
                await Task.Delay(Pauses[attempt], cancellationToken);
                await connection.GetAccessTokenAsync(cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                throw new UsageException($"The relay did not answer ({ex.Status.Detail}); the message may have been stored. Run the same command again: it reuses the id {clientId}, so it is stored once.",
                    ExitCodes.Unavailable);
            }
        }
    }
}

/// <summary>A send not yet answered, kept until it is.</summary>
public sealed record PendingSend(string ClientMessageId, DateTimeOffset FirstTried);

public sealed record SentResult(string MessageId, string ClientMessageId, DateTimeOffset? AcceptedAt, bool Duplicate);

public sealed record Acted(string MessageId, string Action, DateTimeOffset? At, bool Already);

/// <summary>A message in an inbox, as <c>inbox</c>, <c>inbox --watch</c> and <c>read</c> show it.</summary>
public sealed record MessageRow(long Cursor, string MessageId, string Precedence, string SenderId, string SenderName, string Subject, string Body, DateTimeOffset? SentAt,
    DateTimeOffset? AcknowledgeBy, string Role, string State, bool Read, bool Acknowledged, string ReplyCode, string Handling, string HandlingText, string Evaluation,
    string Marking, string CaseId, string InReplyTo, DateTimeOffset? ExpiresAt, string ViaDesk, string ForwardedFrom, string AcknowledgedBy)
{
    public static MessageRow Of(InboxItem i, Timestamp? acknowledgedAt = null, string acknowledgedBy = "", ReplyCode reply = Protos.Relay.V1.ReplyCode.Unspecified)
    {
        var acknowledged = i.Acknowledged || acknowledgedAt is not null;
        var replyCode = reply != Protos.Relay.V1.ReplyCode.Unspecified ? reply : i.ReplyCode;
        var state = replyCode != Protos.Relay.V1.ReplyCode.Unspecified ? MessageCodes.Name(replyCode) : acknowledged ? "acknowledged" : i.Read ? "read" : "new";
        return new(i.Cursor, i.MessageId, MessageCodes.Name(i.Precedence), i.SenderId, i.SenderName, i.Subject, i.Body, i.SentAt?.ToDateTimeOffset(), i.AcknowledgeBy?.ToDateTimeOffset(),
            MessageCodes.Name(i.Role), state, i.Read, acknowledged, MessageCodes.Name(replyCode), MessageCodes.Name(i.HandlingCode), i.HandlingNote, MessageCodes.Name(i.Evaluation),
            i.Classification, i.CaseId, i.InReplyTo, i.ExpiresAt?.ToDateTimeOffset(), i.ViaDesk, i.ForwardedFrom, acknowledgedBy);
    }
}

public sealed record ReceiptRow(string RecipientId, string Role, string ViaDesk, DateTimeOffset? AcceptedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt,
    DateTimeOffset? AcknowledgedAt, string AcknowledgedBy, string ReplyCode, string ReplyReason, DateTimeOffset? RepliedAt)
{
    public static ReceiptRow Of(Receipt r) => new(r.RecipientId, MessageCodes.Name(r.Role), r.ViaDesk, r.AcceptedAt?.ToDateTimeOffset(), r.DeliveredAt?.ToDateTimeOffset(),
        r.ReadAt?.ToDateTimeOffset(), r.AcknowledgedAt?.ToDateTimeOffset(), r.AcknowledgedBy, MessageCodes.Name(r.ReplyCode), r.ReplyReason, r.RepliedAt?.ToDateTimeOffset());
}

public sealed record SentRow(string MessageId, string Precedence, string Subject, DateTimeOffset? SentAt, DateTimeOffset? AcknowledgeBy, string Handling, string CaseId,
    IReadOnlyList<ReceiptRow> Receipts)
{
    public static SentRow Of(SentMessage s) => new(s.MessageId, MessageCodes.Name(s.Precedence), s.Subject, s.SentAt?.ToDateTimeOffset(), s.AcknowledgeBy?.ToDateTimeOffset(),
        MessageCodes.Name(s.HandlingCode), s.CaseId, [.. s.Receipts.Select(ReceiptRow.Of)]);
}

public sealed record PermissionRow(string Id, string MessageId, string RequestedBy, IReadOnlyList<string> Recipients, string Reason, string Status, string DecidedBy,
    string DecisionReason, DateTimeOffset? RequestedAt, DateTimeOffset? DecidedAt)
{
    public static PermissionRow Of(ForwardPermission p) => new(p.Id, p.MessageId, p.RequestedBy, [.. p.Recipients], p.Reason, MessageCodes.Name(p.Status), p.DecidedBy,
        p.DecisionReason, p.RequestedAt?.ToDateTimeOffset(), p.DecidedAt?.ToDateTimeOffset());
}

internal static class ProtoExtensions
{
    /// <summary>Changes a message and returns it (for a request built once and sent with different ids).</summary>
    public static T With<T>(this T message, Action<T> change) where T : IMessage<T>
    {
        change(message);
        return message;
    }
}
