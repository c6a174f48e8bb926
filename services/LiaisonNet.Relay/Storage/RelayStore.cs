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

public sealed record Recipient(string Id, RecipientRole Role, string Agency);

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
            UNIQUE(sender_id, client_message_id));
        CREATE TABLE IF NOT EXISTS inbox(
            recipient_id TEXT NOT NULL,
            cursor INTEGER NOT NULL,
            message_id TEXT NOT NULL REFERENCES messages(id),
            role INTEGER NOT NULL,
            delivered_at INTEGER,
            acknowledged_at INTEGER,
            PRIMARY KEY(recipient_id, cursor),
            UNIQUE(recipient_id, message_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, event BLOB NOT NULL);
        """;

    /// <summary>At most this many sends share one transaction (and one fsync).</summary>
    private const int MaxBatch = 256;

    private readonly SqliteDatabase _db = new(Path.Combine(options.Value.DataFolderFor(ServiceKind.Relay.DataFolderName()), "relay.db"));
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly Channel<PendingSend> _sends = Channel.CreateUnbounded<PendingSend>(new UnboundedChannelOptions { SingleReader = true });
    private Task _committer = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _db.EnsureSchemaAsync(Schema, cancellationToken);
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
    public async Task<SendOutcome> SendAsync(Sender sender, SendMessageRequest request, IReadOnlyList<Recipient> recipients, TimeSpan acknowledgeWithin, CancellationToken cancellationToken)
    {
        var pending = new PendingSend(sender, request, recipients, acknowledgeWithin, SHA256.HashData(request.ToByteArray()),
            new TaskCompletionSource<SendOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_sends.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The relay is stopping.");
        }

        // A caller that gives up does not withdraw the send: it may already be committed, and a retry with the same
        // client message id will find it.
        return await pending.Done.Task.WaitAsync(cancellationToken);
    }

    private sealed record PendingSend(Sender Sender, SendMessageRequest Request, IReadOnlyList<Recipient> Recipients, TimeSpan AcknowledgeWithin,
        byte[] RequestHash, TaskCompletionSource<SendOutcome> Done);

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
                    await using var connection = await _db.OpenAsync();
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
            INSERT INTO messages(id, sender_id, sender_name, client_message_id, request_hash, precedence, subject, body, sent_at, acknowledge_by, agencies)
            VALUES ($id, $sender, $name, $cid, $hash, $precedence, $subject, $body, $sent, $ackBy, $agencies)
            """, transaction,
            ("$id", messageId), ("$sender", sender.Id), ("$name", sender.Name), ("$cid", request.ClientMessageId), ("$hash", pending.RequestHash),
            ("$precedence", (int)request.Precedence), ("$subject", cipher.Seal(request.Subject, messageId)), ("$body", cipher.Seal(request.Body, messageId)),
            ("$sent", now.ToUnixTimeMilliseconds()), ("$ackBy", (now + pending.AcknowledgeWithin).ToUnixTimeMilliseconds()), ("$agencies", string.Join(',', agencies))))
        {
            await insert.ExecuteNonQueryAsync();
        }

        foreach (var recipient in recipients)
        {
            await using var entry = connection.Command("""
                INSERT INTO inbox(recipient_id, cursor, message_id, role)
                VALUES ($recipient, (SELECT COALESCE(MAX(cursor), 0) + 1 FROM inbox WHERE recipient_id = $recipient), $message, $role)
                """, transaction, ("$recipient", recipient.Id), ("$message", messageId), ("$role", (int)recipient.Role));
            await entry.ExecuteNonQueryAsync();
        }

        await EnqueueAsync(connection, transaction, new AuditEvent
        {
            Action = "message.sent",
            Actor = sender.Id,
            ObjectType = "message",
            ObjectId = messageId,
            ContentHash = ByteString.CopyFrom(ContentHash(request.Subject, request.Body)),
            Agencies = { agencies },
            Related = { recipients.Select(r => r.Id) },
        }, now, CancellationToken.None);
        return new SendOutcome(messageId, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), Duplicate: false);
    }

    /// <summary>The recipient's inbox after <paramref name="afterCursor"/>, oldest first; items reaching the recipient for the first time are marked delivered.</summary>
    public async Task<IReadOnlyList<InboxItem>> ReadInboxAsync(string recipient, long afterCursor, int limit, CancellationToken cancellationToken)
    {
        var items = new List<InboxItem>();
        var undelivered = new List<(string MessageId, string Agencies)>();
        await using (var connection = await _db.OpenAsync(cancellationToken))
        {
            await using var command = connection.Command("""
                SELECT i.cursor, m.id, m.sender_id, m.sender_name, m.precedence, m.subject, m.body, m.sent_at, m.acknowledge_by,
                       i.acknowledged_at, i.role, i.delivered_at, m.agencies
                FROM inbox i JOIN messages m ON m.id = i.message_id
                WHERE i.recipient_id = $recipient AND i.cursor > $after
                ORDER BY i.cursor LIMIT $limit
                """, null, ("$recipient", recipient), ("$after", afterCursor), ("$limit", limit));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var messageId = reader.GetString(1);
                items.Add(new InboxItem
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
                });
                if (reader.IsDBNull(11))
                {
                    undelivered.Add((messageId, reader.GetString(12)));
                }
            }
        }

        if (undelivered.Count > 0)
        {
            await MarkDeliveredAsync(recipient, undelivered, cancellationToken);
        }

        return items;
    }

    /// <summary>Acknowledges a message for one of its recipients; null when the message is not in that recipient's inbox.</summary>
    public async Task<AcknowledgeOutcome?> AcknowledgeAsync(string recipient, string messageId, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenAsync(cancellationToken);
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

    public async Task<IReadOnlyList<(long Seq, AuditEvent Event)>> PeekOutboxAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT seq, event FROM outbox ORDER BY seq LIMIT $limit", null, ("$limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<(long, AuditEvent)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add((reader.GetInt64(0), AuditEvent.Parser.ParseFrom((byte[])reader[1])));
        }

        return events;
    }

    public async Task RemoveFromOutboxAsync(long throughSeq, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenAsync(cancellationToken);
            await using var command = connection.Command("DELETE FROM outbox WHERE seq <= $seq", null, ("$seq", throughSeq));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>SHA-256 of the subject and body (UTF-8, separated by a zero byte): what the audit trail keeps instead of the text.</summary>
    public static byte[] ContentHash(string subject, string body) =>
        SHA256.HashData([.. Encoding.UTF8.GetBytes(subject), 0, .. Encoding.UTF8.GetBytes(body)]);

    private async Task MarkDeliveredAsync(string recipient, List<(string MessageId, string Agencies)> messages, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await _db.OpenAsync(cancellationToken);
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
        await using var command = connection.Command("INSERT INTO outbox(event) VALUES ($event)", transaction, ("$event", e.ToByteArray()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public sealed class ClientMessageIdConflictException(string clientMessageId)
    : Exception($"client_message_id '{clientMessageId}' was already used for a different message.");
