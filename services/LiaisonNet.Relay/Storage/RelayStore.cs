using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Live;
using LiaisonNet.Relay.Messages;
using LiaisonNet.ServiceDefaults.AuditTrail;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Relay.Storage;

public sealed record Sender(string Id, string Name, string? Agency);

/// <summary>A resolved recipient; <paramref name="ViaDesk"/> when reached as the staff of a desk (and escalated along its roster).</summary>
public sealed record Recipient(string Id, RecipientRole Role, string Agency, string? ViaDesk = null);

/// <summary>A send that passes on an earlier message.</summary>
public sealed record Forwarding(string OriginalId, IReadOnlyList<string> OriginalAgencies);

/// <summary>A message as its forwarder may pass it on.</summary>
public sealed record Original(string Id, string SenderId, string Subject, string Body, MessageMeta Meta, IReadOnlyList<string> Agencies);

/// <summary>An action message to a desk still waiting for an acknowledgement, and where its escalation stands.</summary>
public sealed record Escalation(string MessageId, string DeskId, int Step, long StepMs, IReadOnlyList<string> Chain, string Agencies);

public sealed record SendOutcome(string MessageId, DateTimeOffset AcceptedAt, bool Duplicate);

public sealed record AcknowledgeOutcome(DateTimeOffset AcknowledgedAt, bool AlreadyAcknowledged);

/// <summary>
/// Messages, per-recipient inboxes with monotonic cursors, and the outbox of audit events, in one SQLite file.
/// Every state change and its audit event commit in the same transaction, so neither exists without the other.
/// </summary>
public sealed class RelayStore(IOptions<LiaisonOptions> options, BodyCipher cipher, InboxNotifier notifier, OutboxSignal outbox, TimeProvider clock) : IHostedService, IAuditOutbox, IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS messages(
            id TEXT PRIMARY KEY,
            sender_id TEXT NOT NULL,
            sender_name TEXT NOT NULL,
            client_message_id TEXT NOT NULL,
            request_hash BLOB NOT NULL,
            precedence INTEGER NOT NULL,
            subject BLOB NOT NULL,
            body BLOB NOT NULL,
            sent_at INTEGER NOT NULL,
            acknowledge_by INTEGER NOT NULL,
            agencies TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            expires_at INTEGER,
            UNIQUE(sender_id, client_message_id));
        CREATE TABLE IF NOT EXISTS inbox(
            recipient_id TEXT NOT NULL,
            cursor INTEGER NOT NULL,
            message_id TEXT NOT NULL REFERENCES messages(id),
            role INTEGER NOT NULL,
            delivered_at INTEGER,
            acknowledged_at INTEGER,
            read_at INTEGER,
            reply_code INTEGER,
            reply_reason BLOB,
            replied_at INTEGER,
            via_desk TEXT,
            acknowledged_by TEXT,
            PRIMARY KEY(recipient_id, cursor),
            UNIQUE(recipient_id, message_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS inbox_cursors(
            recipient_id TEXT PRIMARY KEY,
            last INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS forward_permissions(
            id TEXT PRIMARY KEY,
            message_id TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            recipients TEXT NOT NULL,
            reason TEXT NOT NULL,
            status INTEGER NOT NULL,
            decided_by TEXT,
            decision_reason TEXT,
            requested_at INTEGER NOT NULL,
            decided_at INTEGER);
        CREATE TABLE IF NOT EXISTS escalations(
            message_id TEXT NOT NULL,
            desk_id TEXT NOT NULL,
            step INTEGER NOT NULL,
            step_ms INTEGER NOT NULL,
            next_at INTEGER NOT NULL,
            chain TEXT NOT NULL,
            done INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(message_id, desk_id));
        CREATE INDEX IF NOT EXISTS escalations_due ON escalations(done, next_at);
        """ + Outbox.SqliteSchema;

    /// <summary>At most this many sends share one transaction (and one fsync).</summary>
    private const int MaxBatch = 256;

    private readonly SqliteDatabase _db = new(Path.Combine(options.Value.DataFolderFor(ServiceKind.Relay.DataFolderName()), "relay.db"));
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly Channel<PendingSend> _sends = Channel.CreateUnbounded<PendingSend>(new UnboundedChannelOptions { SingleReader = true });
    private Task _committer = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _db.EnsureSchemaAsync(Schema, cancellationToken);
        await UpgradeAsync(cancellationToken);
        _committer = Task.Run(CommitSendsAsync, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Sends already accepted into the queue are committed before the service stops.
        _sends.Writer.TryComplete();
        await _committer.WaitAsync(cancellationToken);
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// Stores a message and its inbox entries, or returns the original when this is a retry of the same send. Completes
    /// only once the message is on disk: sends arriving together share one transaction and one fsync (group commit).
    /// </summary>
    public async Task<SendOutcome> SendAsync(Sender sender, SendMessageRequest request, IReadOnlyList<Recipient> recipients, TimeSpan acknowledgeWithin, CancellationToken cancellationToken,
        Forwarding? forwarding = null)
    {
        var pending = new PendingSend(sender, request, recipients, acknowledgeWithin, SHA256.HashData(request.ToByteArray()),
            new TaskCompletionSource<SendOutcome>(TaskCreationOptions.RunContinuationsAsynchronously), forwarding);
        if (!_sends.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The relay is stopping.");
        }

        // A caller that gives up does not withdraw the send: it may already be committed, and a retry with the same
        // client message id will find it.
        return await pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Adds the columns a database made by an earlier version lacks (additive changes only).</summary>
    private async Task UpgradeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenSqliteAsync(cancellationToken);
        foreach (var (table, column, type) in new[]
        {
            ("messages", "meta", "TEXT NOT NULL DEFAULT '{}'"), ("messages", "expires_at", "INTEGER"), ("inbox", "read_at", "INTEGER"), ("inbox", "reply_code", "INTEGER"),
            ("inbox", "reply_reason", "BLOB"), ("inbox", "replied_at", "INTEGER"), ("inbox", "via_desk", "TEXT"), ("inbox", "acknowledged_by", "TEXT"),
        })
        {
            await using var check = connection.Command($"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column", null, ("$column", column));
            if ((long)(await check.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                await using var alter = connection.Command($"ALTER TABLE {table} ADD COLUMN {column} {type}");
                await alter.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await using var index = connection.Command("""
            CREATE INDEX IF NOT EXISTS messages_expiry ON messages(expires_at) WHERE expires_at IS NOT NULL;
            CREATE INDEX IF NOT EXISTS inbox_desk ON inbox(via_desk, message_id) WHERE via_desk IS NOT NULL;
            """);
        await index.ExecuteNonQueryAsync(cancellationToken);
        // Inboxes from before the cursor table continue from their highest cursor.
        await using var cursors = connection.Command("""
            INSERT INTO inbox_cursors(recipient_id, last) SELECT recipient_id, MAX(cursor) FROM inbox
            WHERE NOT EXISTS (SELECT 1 FROM inbox_cursors) GROUP BY recipient_id
            """);
        await cursors.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record PendingSend(Sender Sender, SendMessageRequest Request, IReadOnlyList<Recipient> Recipients, TimeSpan AcknowledgeWithin,
        byte[] RequestHash, TaskCompletionSource<SendOutcome> Done, Forwarding? Forwarding);

    private async Task CommitSendsAsync()
    {
        var batch = new List<PendingSend>(MaxBatch);
        while (await _sends.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _sends.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            var outcomes = new (SendOutcome? Outcome, Exception? Error)[batch.Count];
            try
            {
                await _writer.WaitAsync();
                try
                {
                    await using var connection = await _db.OpenSqliteAsync();
                    await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
                    for (var i = 0; i < batch.Count; i++)
                    {
                        try
                        {
                            outcomes[i] = (await InsertAsync(connection, transaction, batch[i]), null);
                        }
                        catch (ClientMessageIdConflictException conflict)
                        {
                            // Found before anything of this send was written: the others in the batch go ahead.
                            outcomes[i] = (null, conflict);
                        }
                    }

                    await transaction.CommitAsync();
                }
                finally
                {
                    _writer.Release();
                }
            }
            catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }

                continue;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (outcomes[i].Error is { } error)
                {
                    batch[i].Done.TrySetException(error);
                    continue;
                }

                if (outcomes[i].Outcome is { Duplicate: false })
                {
                    foreach (var recipient in batch[i].Recipients)
                    {
                        notifier.Notify(recipient.Id);
                    }
                }

                batch[i].Done.TrySetResult(outcomes[i].Outcome!);
            }

            outbox.Wake();
        }
    }

    private async Task<SendOutcome> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, PendingSend pending)
    {
        var (sender, request, recipients) = (pending.Sender, pending.Request, pending.Recipients);
        await using (var find = connection.Command(
            "SELECT id, request_hash, sent_at FROM messages WHERE sender_id = $sender AND client_message_id = $cid", transaction,
            ("$sender", sender.Id), ("$cid", request.ClientMessageId)))
        await using (var reader = await find.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync())
            {
                if (!((byte[])reader[1]).AsSpan().SequenceEqual(pending.RequestHash))
                {
                    throw new ClientMessageIdConflictException(request.ClientMessageId);
                }

                return new SendOutcome(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), Duplicate: true);
            }
        }

        var messageId = Guid.CreateVersion7().ToString();
        var now = clock.GetUtcNow();
        var agencies = recipients.Select(r => r.Agency).Prepend(sender.Agency ?? string.Empty).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        await using (var insert = connection.Command("""
            INSERT INTO messages(id, sender_id, sender_name, client_message_id, request_hash, precedence, subject, body, sent_at, acknowledge_by, agencies, meta, expires_at)
            VALUES ($id, $sender, $name, $cid, $hash, $precedence, $subject, $body, $sent, $ackBy, $agencies, $meta, $expires)
            """, transaction, ("$meta", (MessageMeta.From(request) with { ForwardedFrom = pending.Forwarding?.OriginalId }).ToJson()), ("$expires", request.ExpiresAt?.ToDateTimeOffset().ToUnixTimeMilliseconds()),
            ("$id", messageId), ("$sender", sender.Id), ("$name", sender.Name), ("$cid", request.ClientMessageId), ("$hash", pending.RequestHash),
            ("$precedence", (int)request.Precedence), ("$subject", cipher.Seal(request.Subject, messageId)), ("$body", cipher.Seal(request.Body, messageId)),
            ("$sent", now.ToUnixTimeMilliseconds()), ("$ackBy", (now + pending.AcknowledgeWithin).ToUnixTimeMilliseconds()), ("$agencies", string.Join(',', agencies))))
        {
            await insert.ExecuteNonQueryAsync();
        }

        foreach (var recipient in recipients)
        {
            await InsertInboxAsync(connection, transaction, recipient.Id, messageId, recipient.Role, recipient.ViaDesk);
            if (recipient.ViaDesk is { } desk)
            {
                // Deadlines live in the database: a restart resumes them where they stood.
                await using var escalation = connection.Command("""
                    INSERT OR IGNORE INTO escalations(message_id, desk_id, step, step_ms, next_at, chain) VALUES ($message, $desk, 0, $stepMs, $next, $chain)
                    """, transaction, ("$message", messageId), ("$desk", desk), ("$stepMs", (long)pending.AcknowledgeWithin.TotalMilliseconds),
                    ("$next", (now + pending.AcknowledgeWithin).ToUnixTimeMilliseconds()), ("$chain", recipient.Id));
                await escalation.ExecuteNonQueryAsync();
            }
        }

        await EnqueueAsync(connection, transaction, new AuditEvent
        {
            Action = "message.sent",
            Actor = sender.Id,
            ObjectType = "message",
            ObjectId = messageId,
            ContentHash = ByteString.CopyFrom(ContentHash(request.Subject, request.Body)),
            Agencies = { agencies },
            // Recipients, their desks and the case, so that the trail of each finds this message.
            Related =
            {
                recipients.Select(r => r.Id)
                    .Concat(recipients.Where(r => r.ViaDesk is not null).Select(r => $"desk:{r.ViaDesk}"))
                    .Concat(request.CaseId.Length > 0 ? [request.CaseId] : [])
                    .Distinct(StringComparer.Ordinal),
            },
        }, now, CancellationToken.None);
        if (pending.Forwarding is { } forwarding)
        {
            // On the original's trail, in the same transaction as the copy.
            await EnqueueAsync(connection, transaction, new AuditEvent
            {
                Action = "message.forwarded",
                Actor = sender.Id,
                ObjectType = "message",
                ObjectId = forwarding.OriginalId,
                ContentHash = ByteString.CopyFrom(ContentHash(request.Subject, request.Body)),
                Agencies = { agencies.Union(forwarding.OriginalAgencies, StringComparer.Ordinal) },
                Related = { recipients.Select(r => r.Id).Prepend(messageId) },
            }, now, CancellationToken.None);
        }

        return new SendOutcome(messageId, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), Duplicate: false);
    }

    /// <summary>The recipient's inbox after <paramref name="afterCursor"/>, oldest first; items reaching the recipient for the first time are marked delivered.</summary>
    public async Task<IReadOnlyList<InboxItem>> ReadInboxAsync(string recipient, long afterCursor, int limit, CancellationToken cancellationToken)
    {
        var items = new List<InboxItem>();
        var undelivered = new List<(string MessageId, string Agencies)>();
        await using (var connection = await _db.OpenSqliteAsync(cancellationToken))
        {
            await using var command = connection.Command($"""
                SELECT {ItemColumns}
                FROM inbox i JOIN messages m ON m.id = i.message_id
                WHERE i.recipient_id = $recipient AND i.cursor > $after
                ORDER BY i.cursor LIMIT $limit
                """, null, ("$recipient", recipient), ("$after", afterCursor), ("$limit", limit));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var item = ToItem(reader);
                items.Add(item);
                if (reader.IsDBNull(11))
                {
                    undelivered.Add((item.MessageId, reader.GetString(12)));
                }
            }
        }

        if (undelivered.Count > 0)
        {
            await MarkDeliveredAsync(recipient, undelivered, cancellationToken);
        }

        return items;
    }

    /// <summary>The columns <see cref="ToItem"/> reads, of inbox i joined with messages m.</summary>
    private const string ItemColumns = """
        i.cursor, m.id, m.sender_id, m.sender_name, m.precedence, m.subject, m.body, m.sent_at, m.acknowledge_by,
        i.acknowledged_at, i.role, i.delivered_at, m.agencies, m.meta, i.read_at, i.reply_code, i.via_desk, i.recipient_id, i.acknowledged_by
        """;

    private InboxItem ToItem(SqliteDataReader reader)
    {
        var messageId = reader.GetString(1);
        var item = new InboxItem
        {
            Cursor = reader.GetInt64(0),
            MessageId = messageId,
            SenderId = reader.GetString(2),
            SenderName = reader.GetString(3),
            Precedence = (Precedence)reader.GetInt32(4),
            Subject = cipher.Open((byte[])reader[5], messageId),
            Body = cipher.Open((byte[])reader[6], messageId),
            SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))),
            AcknowledgeBy = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))),
            Acknowledged = !reader.IsDBNull(9),
            Role = (RecipientRole)reader.GetInt32(10),
            Read = !reader.IsDBNull(14),
            ReplyCode = reader.IsDBNull(15) ? ReplyCode.Unspecified : (ReplyCode)reader.GetInt32(15),
            ViaDesk = reader.IsDBNull(16) ? string.Empty : reader.GetString(16),
        };
        MessageMeta.FromJson(reader.GetString(13)).ApplyTo(item);
        return item;
    }

    /// <summary>
    /// Messages that reached <paramref name="deskId"/>, newest first (message ids grow with time), each with whom of the
    /// desk it reached and whether and by whom it was acknowledged for the desk.
    /// </summary>
    public async Task<(IReadOnlyList<DeskItem> Items, string? Next)> DeskItemsAsync(string deskId, bool includeAcknowledged, string? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenSqliteAsync(cancellationToken);
        await using var command = connection.Command($"""
            SELECT {ItemColumns}, i.replied_at, e.chain
            FROM inbox i JOIN messages m ON m.id = i.message_id
            LEFT JOIN escalations e ON e.message_id = i.message_id AND e.desk_id = $desk
            WHERE i.via_desk = $desk AND i.message_id IN (
                SELECT DISTINCT d.message_id FROM inbox d
                WHERE d.via_desk = $desk AND ($before IS NULL OR d.message_id < $before)
                  AND ($all OR NOT EXISTS (SELECT 1 FROM inbox a WHERE a.message_id = d.message_id AND a.via_desk = $desk AND a.acknowledged_at IS NOT NULL))
                ORDER BY d.message_id DESC LIMIT $limit)
            ORDER BY m.id DESC
            """, null, ("$desk", deskId), ("$before", before), ("$all", includeAcknowledged), ("$limit", limit + 1));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<DeskItem>();
        DeskItem? current = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = ToItem(reader);
            if (current is null || current.Message.MessageId != row.MessageId)
            {
                current = new DeskItem { Message = row };
                row.Cursor = 0;
                if (!reader.IsDBNull(20))
                {
                    current.Reached.Add(reader.GetString(20).Split(',', StringSplitOptions.RemoveEmptyEntries));
                }

                items.Add(current);
            }

            var recipient = reader.GetString(17);
            if (!current.Reached.Contains(recipient))
            {
                current.Reached.Add(recipient);
            }

            if (!reader.IsDBNull(9) && (current.AcknowledgedAt is null || reader.GetInt64(9) < current.AcknowledgedAt.ToDateTimeOffset().ToUnixTimeMilliseconds()))
            {
                current.AcknowledgedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)));
                current.AcknowledgedBy = reader.IsDBNull(18) ? recipient : reader.GetString(18);
                current.Message.Acknowledged = true;
            }

            if (!reader.IsDBNull(15))
            {
                current.ReplyCode = (ReplyCode)reader.GetInt32(15);
            }
        }

        var next = items.Count > limit ? items[limit - 1].Message.MessageId : null;
        return (items.Take(limit).ToList(), next);
    }

    /// <summary>
    /// One of a desk's staff acknowledges (and with <paramref name="reply"/>, replies) for the desk: every entry of the
    /// message that reached the desk and is still open is closed, naming <paramref name="staff"/>, which stops its escalation.
    /// Null when the message never reached the desk.
    /// </summary>
    public async Task<AcknowledgeOutcome?> ActForDeskAsync(string staff, string deskId, string messageId, (ReplyCode Code, string Reason)? reply, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var rows = new List<(string Recipient, RecipientRole Role, long? AcknowledgedAt)>();
            string agencies = string.Empty;
            await using (var find = connection.Command("""
                SELECT i.recipient_id, i.role, i.acknowledged_at, m.agencies FROM inbox i JOIN messages m ON m.id = i.message_id
                WHERE i.message_id = $message AND i.via_desk = $desk
                """, transaction, ("$message", messageId), ("$desk", deskId)))
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add((reader.GetString(0), (RecipientRole)reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt64(2)));
                    agencies = reader.GetString(3);
                }
            }

            if (rows.Count == 0)
            {
                return null;
            }

            if (reply is not null && rows.All(r => r.Role != RecipientRole.Action))
            {
                throw new ReplyNotAllowedException("The desk is only informed of this message; acknowledge it instead.");
            }

            var acknowledged = rows.Where(r => r.AcknowledgedAt is not null).Select(r => r.AcknowledgedAt!.Value).DefaultIfEmpty().Min();
            if (acknowledged != 0 && reply is null)
            {
                return new AcknowledgeOutcome(DateTimeOffset.FromUnixTimeMilliseconds(acknowledged), AlreadyAcknowledged: true);
            }

            var now = clock.GetUtcNow();
            var millis = now.ToUnixTimeMilliseconds();
            await using (var update = connection.Command("""
                UPDATE inbox SET acknowledged_by = CASE WHEN acknowledged_at IS NULL THEN $staff ELSE acknowledged_by END,
                    acknowledged_at = COALESCE(acknowledged_at, $now), delivered_at = COALESCE(delivered_at, $now),
                    reply_code = COALESCE($code, reply_code), reply_reason = CASE WHEN $code IS NULL THEN reply_reason ELSE $reason END,
                    replied_at = CASE WHEN $code IS NULL THEN replied_at ELSE $now END
                WHERE message_id = $message AND via_desk = $desk AND ($code IS NULL OR role = $action)
                """, transaction, ("$staff", staff), ("$now", millis), ("$message", messageId), ("$desk", deskId), ("$action", (int)RecipientRole.Action),
                ("$code", reply is { } r ? (int)r.Code : null), ("$reason", reply is { Reason.Length: > 0 } withReason ? cipher.Seal(withReason.Reason, messageId) : null)))
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            var related = rows.Select(r => r.Recipient).Prepend($"desk:{deskId}").ToList();
            if (acknowledged == 0)
            {
                var e = RecipientEvent("message.acknowledged", staff, messageId, agencies);
                e.Related.Add(related);
                await EnqueueAsync(connection, transaction, e, now, cancellationToken);
            }

            if (reply is { } given)
            {
                var replied = RecipientEvent($"message.reply.{given.Code.ToString().ToLowerInvariant()}", staff, messageId, agencies);
                replied.ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(given.Reason)));
                replied.Related.Add(related);
                await EnqueueAsync(connection, transaction, replied, now, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            outbox.Wake();
            return new AcknowledgeOutcome(DateTimeOffset.FromUnixTimeMilliseconds(acknowledged != 0 && reply is null ? acknowledged : millis), AlreadyAcknowledged: acknowledged != 0);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Acknowledges a message for one of its recipients; null when the message is not in that recipient's inbox.</summary>
    public async Task<AcknowledgeOutcome?> AcknowledgeAsync(string recipient, string messageId, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            string agencies;
            await using (var find = connection.Command("""
                SELECT i.acknowledged_at, m.agencies FROM inbox i JOIN messages m ON m.id = i.message_id
                WHERE i.recipient_id = $recipient AND i.message_id = $message
                """, transaction, ("$recipient", recipient), ("$message", messageId)))
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return null;
                }

                if (!reader.IsDBNull(0))
                {
                    return new AcknowledgeOutcome(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), AlreadyAcknowledged: true);
                }

                agencies = reader.GetString(1);
            }

            var now = clock.GetUtcNow();
            var millis = now.ToUnixTimeMilliseconds();
            await using (var update = connection.Command("""
                UPDATE inbox SET acknowledged_at = $now, delivered_at = COALESCE(delivered_at, $now)
                WHERE recipient_id = $recipient AND message_id = $message
                """, transaction, ("$now", millis), ("$recipient", recipient), ("$message", messageId)))
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            await EnqueueAsync(connection, transaction, RecipientEvent("message.acknowledged", recipient, messageId, agencies), now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            outbox.Wake();
            return new AcknowledgeOutcome(DateTimeOffset.FromUnixTimeMilliseconds(millis), AlreadyAcknowledged: false);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// Adds the message to the recipient's inbox (once) under the next cursor of the recipient's own sequence, which is kept
    /// apart from the items and only grows: purging an item never frees its cursor for another.
    /// </summary>
    private static async Task InsertInboxAsync(SqliteConnection connection, SqliteTransaction transaction, string recipient, string messageId, RecipientRole role, string? viaDesk)
    {
        await using (var exists = connection.Command("SELECT 1 FROM inbox WHERE recipient_id = $recipient AND message_id = $message", transaction,
            ("$recipient", recipient), ("$message", messageId)))
        {
            if (await exists.ExecuteScalarAsync() is not null)
            {
                return;
            }
        }

        long cursor;
        await using (var next = connection.Command("""
            INSERT INTO inbox_cursors(recipient_id, last) VALUES ($recipient, 1)
            ON CONFLICT(recipient_id) DO UPDATE SET last = last + 1
            RETURNING last
            """, transaction, ("$recipient", recipient)))
        {
            cursor = (long)(await next.ExecuteScalarAsync())!;
        }

        await using var entry = connection.Command("""
            INSERT INTO inbox(recipient_id, cursor, message_id, role, via_desk) VALUES ($recipient, $cursor, $message, $role, $desk)
            """, transaction, ("$recipient", recipient), ("$cursor", cursor), ("$message", messageId), ("$role", (int)role), ("$desk", viaDesk));
        await entry.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> messages past their expiry, with their inbox entries and escalations; each
    /// leaves a "message.expired" event carrying the hash of its content, so the trail still proves what was sent.
    /// </summary>
    public async Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var now = clock.GetUtcNow();
            var expired = new List<(string Id, string Subject, string Body, string Agencies)>();
            await using (var find = connection.Command(
                "SELECT id, subject, body, agencies FROM messages WHERE expires_at IS NOT NULL AND expires_at <= $now ORDER BY expires_at LIMIT $limit",
                transaction, ("$now", now.ToUnixTimeMilliseconds()), ("$limit", limit)))
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var id = reader.GetString(0);
                    expired.Add((id, cipher.Open((byte[])reader[1], id), cipher.Open((byte[])reader[2], id), reader.GetString(3)));
                }
            }

            foreach (var (id, subject, body, agencies) in expired)
            {
                foreach (var table in new[] { "inbox", "escalations" })
                {
                    await using var delete = connection.Command($"DELETE FROM {table} WHERE message_id = $id", transaction, ("$id", id));
                    await delete.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var message = connection.Command("DELETE FROM messages WHERE id = $id", transaction, ("$id", id)))
                {
                    await message.ExecuteNonQueryAsync(cancellationToken);
                }

                await EnqueueAsync(connection, transaction, new AuditEvent
                {
                    Action = "message.expired",
                    Actor = "liaison-relay",
                    ObjectType = "message",
                    ObjectId = id,
                    ContentHash = ByteString.CopyFrom(ContentHash(subject, body)),
                    Agencies = { agencies.Split(',', StringSplitOptions.RemoveEmptyEntries) },
                }, now, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            if (expired.Count > 0)
            {
                outbox.Wake();
            }

            return expired.Count;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>The message, when <paramref name="caller"/> sent or received it; null otherwise.</summary>
    public async Task<Original?> OriginalAsync(string caller, string messageId, CancellationToken cancellationToken)
    {
        if (!await CanReferenceAsync(caller, messageId, cancellationToken))
        {
            return null;
        }

        await using var connection = await _db.OpenSqliteAsync(cancellationToken);
        await using var command = connection.Command("SELECT sender_id, subject, body, meta, agencies FROM messages WHERE id = $id", null, ("$id", messageId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Original(messageId, reader.GetString(0), cipher.Open((byte[])reader[1], messageId), cipher.Open((byte[])reader[2], messageId),
                MessageMeta.FromJson(reader.GetString(3)), reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries))
            : null;
    }

    public async Task<ForwardPermission> RequestPermissionAsync(Original original, string requester, IReadOnlyList<string> recipients, string reason, CancellationToken cancellationToken)
    {
        var permission = new ForwardPermission
        {
            Id = Guid.CreateVersion7().ToString(), MessageId = original.Id, RequestedBy = requester, Recipients = { recipients }, Reason = reason,
            Status = PermissionStatus.Pending, RequestedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        };
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await using (var insert = connection.Command("""
                INSERT INTO forward_permissions(id, message_id, requested_by, recipients, reason, status, requested_at)
                VALUES ($id, $message, $by, $recipients, $reason, $status, $at)
                """, transaction, ("$id", permission.Id), ("$message", original.Id), ("$by", requester), ("$recipients", string.Join(',', recipients)),
                ("$reason", reason), ("$status", (int)PermissionStatus.Pending), ("$at", clock.GetUtcNow().ToUnixTimeMilliseconds())))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await EnqueueAsync(connection, transaction, PermissionEvent("message.forward_permission.requested", requester, original, permission), clock.GetUtcNow(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            _writer.Release();
        }

        outbox.Wake();
        return permission;
    }

    /// <summary>The originator's decision; null when the request does not exist, or is not about a message of <paramref name="originator"/>.</summary>
    public async Task<ForwardPermission?> DecidePermissionAsync(string permissionId, string originator, bool grant, string reason, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var found = await PermissionsAsync(connection, transaction, "p.id = $key", permissionId, cancellationToken);
            (ForwardPermission Permission, string Originator, IReadOnlyList<string> Agencies)? permission = found.Count == 1 ? found[0] : null;
            if (permission is null || permission.Value.Originator != originator)
            {
                return null;
            }

            if (permission.Value.Permission.Status != PermissionStatus.Pending)
            {
                throw new ReplyNotAllowedException("This request has been decided already.");
            }

            var now = clock.GetUtcNow();
            var status = grant ? PermissionStatus.Granted : PermissionStatus.Refused;
            await using (var update = connection.Command(
                "UPDATE forward_permissions SET status = $status, decided_by = $by, decision_reason = $reason, decided_at = $at WHERE id = $id", transaction,
                ("$status", (int)status), ("$by", originator), ("$reason", reason), ("$at", now.ToUnixTimeMilliseconds()), ("$id", permissionId)))
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            var decided = permission.Value.Permission;
            decided.Status = status;
            decided.DecidedBy = originator;
            decided.DecisionReason = reason;
            decided.DecidedAt = Timestamp.FromDateTimeOffset(now);
            var original = new Original(decided.MessageId, originator, string.Empty, string.Empty, MessageMeta.FromJson("{}"), permission.Value.Agencies);
            await EnqueueAsync(connection, transaction, PermissionEvent($"message.forward_permission.{(grant ? "granted" : "refused")}", originator, original, decided), now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            outbox.Wake();
            return decided;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Requests about a message, with its originator and agencies.</summary>
    public async Task<IReadOnlyList<(ForwardPermission Permission, string Originator, IReadOnlyList<string> Agencies)>> PermissionsForMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenSqliteAsync(cancellationToken);
        return await PermissionsAsync(connection, null, "p.message_id = $key", messageId, cancellationToken);
    }

    private static async Task<List<(ForwardPermission Permission, string Originator, IReadOnlyList<string> Agencies)>> PermissionsAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string where, string key, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"""
            SELECT p.id, p.message_id, p.requested_by, p.recipients, p.reason, p.status, p.decided_by, p.decision_reason, p.requested_at, p.decided_at,
                   m.sender_id, m.agencies
            FROM forward_permissions p JOIN messages m ON m.id = p.message_id WHERE {where} ORDER BY p.requested_at
            """, transaction, ("$key", key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(ForwardPermission, string, IReadOnlyList<string>)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var permission = new ForwardPermission
            {
                Id = reader.GetString(0), MessageId = reader.GetString(1), RequestedBy = reader.GetString(2),
                Recipients = { reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries) }, Reason = reader.GetString(4),
                Status = (PermissionStatus)reader.GetInt32(5), DecidedBy = reader.IsDBNull(6) ? string.Empty : reader.GetString(6),
                DecisionReason = reader.IsDBNull(7) ? string.Empty : reader.GetString(7),
                RequestedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))),
                DecidedAt = reader.IsDBNull(9) ? null : Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))),
            };
            list.Add((permission, reader.GetString(10), reader.GetString(11).Split(',', StringSplitOptions.RemoveEmptyEntries)));
        }

        return list;
    }

    private static AuditEvent PermissionEvent(string action, string actor, Original original, ForwardPermission permission) => new()
    {
        Action = action,
        Actor = actor,
        ObjectType = "message",
        ObjectId = original.Id,
        ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes($"{permission.Id}|{permission.Reason}|{permission.DecisionReason}"))),
        Agencies = { original.Agencies },
        Related = { permission.Recipients.Prepend(permission.RequestedBy).Prepend(permission.Id) },
    };

    /// <summary>Escalations whose step deadline has passed.</summary>
    public async Task<IReadOnlyList<Escalation>> DueEscalationsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenSqliteAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT e.message_id, e.desk_id, e.step, e.step_ms, e.chain, m.agencies FROM escalations e JOIN messages m ON m.id = e.message_id
            WHERE e.done = 0 AND e.next_at <= $now ORDER BY e.next_at LIMIT $limit
            """, null, ("$now", clock.GetUtcNow().ToUnixTimeMilliseconds()), ("$limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var due = new List<Escalation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new Escalation(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetString(4).Split(','), reader.GetString(5)));
        }

        return due;
    }

    /// <summary>
    /// Takes one escalation step: stops it when anyone in its chain has acknowledged; otherwise adds <paramref name="next"/>
    /// (null: the roster is exhausted) as an action recipient, audits the step, and sets the next deadline.
    /// </summary>
    public async Task<bool> EscalateAsync(Escalation escalation, string? next, string nextAgency, string stepName, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var chain = escalation.Chain.ToList();
            await using (var acknowledged = connection.Command(
                $"SELECT COUNT(*) FROM inbox WHERE message_id = $message AND acknowledged_at IS NOT NULL AND recipient_id IN ({string.Join(',', chain.Select((_, i) => $"$r{i}"))})",
                transaction, [("$message", escalation.MessageId), .. chain.Select((r, i) => ($"$r{i}", (object?)r))]))
            {
                if ((long)(await acknowledged.ExecuteScalarAsync(cancellationToken))! > 0)
                {
                    await FinishAsync(connection, transaction, escalation, cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                    return false;
                }
            }

            var now = clock.GetUtcNow();
            if (next is null)
            {
                await FinishAsync(connection, transaction, escalation, cancellationToken);
                await EnqueueAsync(connection, transaction, EscalationEvent("message.escalation_exhausted", escalation, escalation.DeskId, stepName), now, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                outbox.Wake();
                return false;
            }

            await InsertInboxAsync(connection, transaction, next, escalation.MessageId, RecipientRole.Action, escalation.DeskId);
            chain.Add(next);
            await using (var update = connection.Command(
                "UPDATE escalations SET step = step + 1, next_at = $next, chain = $chain WHERE message_id = $message AND desk_id = $desk", transaction,
                ("$next", now.ToUnixTimeMilliseconds() + escalation.StepMs), ("$chain", string.Join(',', chain)), ("$message", escalation.MessageId), ("$desk", escalation.DeskId)))
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            var escalated = EscalationEvent("message.escalated", escalation, next, stepName);
            if (nextAgency.Length > 0 && !escalated.Agencies.Contains(nextAgency))
            {
                escalated.Agencies.Add(nextAgency);
            }

            await EnqueueAsync(connection, transaction, escalated, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            notifier.Notify(next);
            outbox.Wake();
            return true;
        }
        finally
        {
            _writer.Release();
        }
    }

    private static async Task FinishAsync(SqliteConnection connection, SqliteTransaction transaction, Escalation escalation, CancellationToken cancellationToken)
    {
        await using var done = connection.Command("UPDATE escalations SET done = 1 WHERE message_id = $message AND desk_id = $desk", transaction,
            ("$message", escalation.MessageId), ("$desk", escalation.DeskId));
        await done.ExecuteNonQueryAsync(cancellationToken);
    }

    private static AuditEvent EscalationEvent(string action, Escalation escalation, string target, string stepName) => new()
    {
        Action = action,
        Actor = "liaison-relay",
        ObjectType = "message",
        ObjectId = escalation.MessageId,
        ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes($"{escalation.DeskId}|{stepName}|{target}"))),
        Agencies = { escalation.Agencies.Split(',', StringSplitOptions.RemoveEmptyEntries) },
        Related = { target, $"desk:{escalation.DeskId}", stepName },
    };

    /// <summary>Records that the recipient read the message; null when it is not in their inbox.</summary>
    public async Task<(DateTimeOffset ReadAt, bool Already)?> MarkReadAsync(string recipient, string messageId, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var row = await InboxRowAsync(connection, transaction, recipient, messageId, cancellationToken);
            if (row is null)
            {
                return null;
            }

            if (row.Value.ReadAt is { } readAt)
            {
                return (DateTimeOffset.FromUnixTimeMilliseconds(readAt), true);
            }

            var now = clock.GetUtcNow();
            await using (var update = connection.Command(
                "UPDATE inbox SET read_at = $now, delivered_at = COALESCE(delivered_at, $now) WHERE recipient_id = $recipient AND message_id = $message",
                transaction, ("$now", now.ToUnixTimeMilliseconds()), ("$recipient", recipient), ("$message", messageId)))
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            await EnqueueAsync(connection, transaction, RecipientEvent("message.read", recipient, messageId, row.Value.Agencies), now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            outbox.Wake();
            return (DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), false);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>An action recipient's reply code, which also acknowledges; null when the message is not in their inbox.</summary>
    public async Task<DateTimeOffset?> ReplyAsync(string recipient, string messageId, ReplyCode code, string reason, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var row = await InboxRowAsync(connection, transaction, recipient, messageId, cancellationToken);
            if (row is null)
            {
                return null;
            }

            if (row.Value.Role != RecipientRole.Action)
            {
                throw new ReplyNotAllowedException("Only action recipients reply with a code; information recipients acknowledge.");
            }

            var now = clock.GetUtcNow();
            var millis = now.ToUnixTimeMilliseconds();
            await using (var update = connection.Command("""
                UPDATE inbox SET reply_code = $code, reply_reason = $reason, replied_at = $now,
                    acknowledged_at = COALESCE(acknowledged_at, $now), delivered_at = COALESCE(delivered_at, $now)
                WHERE recipient_id = $recipient AND message_id = $message
                """, transaction, ("$code", (int)code), ("$reason", reason.Length == 0 ? null : cipher.Seal(reason, messageId)), ("$now", millis),
                ("$recipient", recipient), ("$message", messageId)))
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            if (row.Value.AcknowledgedAt is null)
            {
                await EnqueueAsync(connection, transaction, RecipientEvent("message.acknowledged", recipient, messageId, row.Value.Agencies), now, cancellationToken);
            }

            var replied = RecipientEvent($"message.reply.{code.ToString().ToLowerInvariant()}", recipient, messageId, row.Value.Agencies);
            replied.ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(reason)));
            await EnqueueAsync(connection, transaction, replied, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            outbox.Wake();
            return DateTimeOffset.FromUnixTimeMilliseconds(millis);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Every recipient's receipt of a message, for its sender; null when <paramref name="sender"/> did not send it.</summary>
    public async Task<IReadOnlyList<Receipt>?> ReceiptsAsync(string sender, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenSqliteAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT i.recipient_id, i.role, m.sent_at, i.delivered_at, i.read_at, i.acknowledged_at, i.reply_code, i.reply_reason, i.replied_at, i.via_desk,
                   i.acknowledged_by
            FROM messages m JOIN inbox i ON i.message_id = m.id
            WHERE m.id = $message AND m.sender_id = $sender ORDER BY i.recipient_id
            """, null, ("$message", messageId), ("$sender", sender));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var receipts = new List<Receipt>();
        static Timestamp? At(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i)));
        while (await reader.ReadAsync(cancellationToken))
        {
            receipts.Add(new Receipt
            {
                RecipientId = reader.GetString(0),
                Role = (RecipientRole)reader.GetInt32(1),
                AcceptedAt = At(reader, 2),
                DeliveredAt = At(reader, 3),
                ReadAt = At(reader, 4),
                AcknowledgedAt = At(reader, 5),
                ReplyCode = reader.IsDBNull(6) ? ReplyCode.Unspecified : (ReplyCode)reader.GetInt32(6),
                ReplyReason = reader.IsDBNull(7) ? string.Empty : cipher.Open((byte[])reader[7], messageId),
                RepliedAt = At(reader, 8),
                ViaDesk = reader.IsDBNull(9) ? string.Empty : reader.GetString(9),
                AcknowledgedBy = reader.IsDBNull(10) ? string.Empty : reader.GetString(10),
            });
        }

        return receipts.Count == 0 ? null : receipts;
    }

    /// <summary>Messages <paramref name="sender"/> sent, newest first (message ids grow with time), each with its receipts.</summary>
    public async Task<(IReadOnlyList<SentMessage> Messages, string? Next)> SentAsync(string sender, string? before, int limit, CancellationToken cancellationToken)
    {
        var messages = new List<SentMessage>();
        await using (var connection = await _db.OpenSqliteAsync(cancellationToken))
        {
            await using var command = connection.Command("""
                SELECT id, precedence, subject, sent_at, acknowledge_by, meta FROM messages
                WHERE sender_id = $sender AND ($before IS NULL OR id < $before) ORDER BY id DESC LIMIT $limit
                """, null, ("$sender", sender), ("$before", before), ("$limit", limit + 1));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                var meta = MessageMeta.FromJson(reader.GetString(5));
                messages.Add(new SentMessage
                {
                    MessageId = id,
                    Precedence = (Precedence)reader.GetInt32(1),
                    Subject = cipher.Open((byte[])reader[2], id),
                    SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))),
                    AcknowledgeBy = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))),
                    HandlingCode = meta.Handling,
                    CaseId = meta.CaseId,
                });
            }
        }

        var page = messages.Take(limit).ToList();
        foreach (var message in page)
        {
            message.Receipts.Add(await ReceiptsAsync(sender, message.MessageId, cancellationToken) ?? []);
        }

        return (page, messages.Count > limit ? page[^1].MessageId : null);
    }

    /// <summary>True when <paramref name="caller"/> sent or received the message: what a reply may refer to.</summary>
    public async Task<bool> CanReferenceAsync(string caller, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenSqliteAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT EXISTS(SELECT 1 FROM messages WHERE id = $message AND sender_id = $caller)
                OR EXISTS(SELECT 1 FROM inbox WHERE message_id = $message AND recipient_id = $caller)
            """, null, ("$message", messageId), ("$caller", caller));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    private static async Task<(RecipientRole Role, long? ReadAt, long? AcknowledgedAt, string Agencies)?> InboxRowAsync(
        SqliteConnection connection, SqliteTransaction transaction, string recipient, string messageId, CancellationToken cancellationToken)
    {
        await using var find = connection.Command("""
            SELECT i.role, i.read_at, i.acknowledged_at, m.agencies FROM inbox i JOIN messages m ON m.id = i.message_id
            WHERE i.recipient_id = $recipient AND i.message_id = $message
            """, transaction, ("$recipient", recipient), ("$message", messageId));
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return ((RecipientRole)reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetString(3));
    }

    /// <summary>Records an audit event with no other change (a refused call).</summary>
    public async Task RecordAsync(AuditEvent e, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await Outbox.EnqueueAsync(connection, null, e, cancellationToken);
        }
        finally
        {
            _writer.Release();
        }

        outbox.Wake();
    }

    public Task<IReadOnlyList<(long Seq, AuditEvent Event)>> PeekOutboxAsync(int limit, CancellationToken cancellationToken) =>
        Outbox.PeekAsync(_db, limit, cancellationToken);

    public Task RemoveFromOutboxAsync(IReadOnlyList<long> delivered, CancellationToken cancellationToken) =>
        Outbox.RemoveAsync(_db, _writer, delivered, cancellationToken);

    /// <summary>SHA-256 of the subject and body (UTF-8, separated by a zero byte): what the audit trail keeps instead of the text.</summary>
    public static byte[] ContentHash(string subject, string body) =>
        SHA256.HashData([.. Encoding.UTF8.GetBytes(subject), 0, .. Encoding.UTF8.GetBytes(body)]);

    private async Task MarkDeliveredAsync(string recipient, List<(string MessageId, string Agencies)> messages, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenSqliteAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var now = clock.GetUtcNow();
            foreach (var (messageId, agencies) in messages)
            {
                await using var update = connection.Command(
                    "UPDATE inbox SET delivered_at = $now WHERE recipient_id = $recipient AND message_id = $message AND delivered_at IS NULL", transaction,
                    ("$now", now.ToUnixTimeMilliseconds()), ("$recipient", recipient), ("$message", messageId));
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    await EnqueueAsync(connection, transaction, RecipientEvent("message.delivered", recipient, messageId, agencies), now, cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
            outbox.Wake();
        }
        finally
        {
            _writer.Release();
        }
    }

    private static AuditEvent RecipientEvent(string action, string recipient, string messageId, string agencies) => new()
    {
        Action = action,
        Actor = recipient,
        ObjectType = "message",
        ObjectId = messageId,
        Agencies = { agencies.Split(',', StringSplitOptions.RemoveEmptyEntries) },
    };

    private static async Task EnqueueAsync(SqliteConnection connection, SqliteTransaction transaction, AuditEvent e, DateTimeOffset at, CancellationToken cancellationToken)
    {
        e.EventId = Guid.CreateVersion7().ToString();
        e.OccurredAt = Timestamp.FromDateTimeOffset(at);
        e.Source = "liaison-relay";
        await Outbox.EnqueueAsync(connection, transaction, e, cancellationToken);
    }
}

public sealed class ReplyNotAllowedException(string message) : Exception(message);

public sealed class ClientMessageIdConflictException(string clientMessageId)
    : Exception($"client_message_id {ServiceDefaults.Grpc.RpcErrors.Quote(clientMessageId)} was already used for a different message.");
