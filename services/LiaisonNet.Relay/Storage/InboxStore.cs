using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Messages;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>
/// A recipient's inbox: reading it by cursor (which marks items delivered), and what the recipient does with an item:
/// read, acknowledge, reply. Each change is conditioned on the state it changes, so that the same change made twice at
/// once (two devices, two relay processes) is recorded and audited once.
/// </summary>
public sealed class InboxStore(RelayDatabase relay, BodyCipher cipher)
{
    /// <summary>The columns <see cref="ToItem"/> reads, of inbox i joined with messages m.</summary>
    internal const string ItemColumns = """
        i.cursor, m.id, m.sender_id, m.sender_name, m.precedence, m.subject, m.body, m.sent_at, m.acknowledge_by,
        i.acknowledged_at, i.role, i.delivered_at, m.agencies, m.meta, i.read_at, i.reply_code, i.via_desk, i.recipient_id, i.acknowledged_by
        """;

    internal InboxItem ToItem(DbDataReader reader)
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

    /// <summary>The recipient's inbox after <paramref name="afterCursor"/>, oldest first; items reaching the recipient for the first time are marked delivered.</summary>
    public async Task<IReadOnlyList<InboxItem>> ReadInboxAsync(string recipient, long afterCursor, int limit, CancellationToken cancellationToken)
    {
        var items = new List<InboxItem>();
        var undelivered = new List<(string MessageId, string Agencies)>();
        await using (var connection = await relay.OpenAsync(cancellationToken))
        {
            await using var command = connection.Command($"""
                SELECT {ItemColumns}
                FROM inbox i JOIN messages m ON m.id = i.message_id
                WHERE i.recipient_id = @recipient AND i.cursor > @after
                ORDER BY i.cursor LIMIT @limit
                """, null, ("@recipient", recipient), ("@after", afterCursor), ("@limit", limit));
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

    private Task MarkDeliveredAsync(string recipient, List<(string MessageId, string Agencies)> messages, CancellationToken cancellationToken) =>
        relay.WriteAsync(async (connection, transaction, now) =>
        {
            foreach (var (messageId, agencies) in messages)
            {
                await using var update = connection.Command(
                    "UPDATE inbox SET delivered_at = @now WHERE recipient_id = @recipient AND message_id = @message AND delivered_at IS NULL", transaction,
                    ("@now", now.ToUnixTimeMilliseconds()), ("@recipient", recipient), ("@message", messageId));
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    await RelayDatabase.EnqueueAsync(connection, transaction, RelayDatabase.RecipientEvent("message.delivered", recipient, messageId, agencies), now, cancellationToken);
                }
            }

            return (true, true);
        }, cancellationToken);

    /// <summary>Acknowledges a message for one of its recipients; null when the message is not in that recipient's inbox.</summary>
    public Task<AcknowledgeOutcome?> AcknowledgeAsync(string recipient, string messageId, CancellationToken cancellationToken) =>
        relay.WriteAsync<AcknowledgeOutcome?>(async (connection, transaction, now) =>
        {
            var millis = now.ToUnixTimeMilliseconds();
            if (await AcknowledgeOnceAsync(connection, transaction, recipient, messageId, millis, cancellationToken) is not { } agencies)
            {
                var row = await RowAsync(connection, transaction, recipient, messageId, cancellationToken);
                return (row is { AcknowledgedAt: { } at } ? new AcknowledgeOutcome(DateTimeOffset.FromUnixTimeMilliseconds(at), AlreadyAcknowledged: true) : null, false);
            }

            await RelayDatabase.EnqueueAsync(connection, transaction, RelayDatabase.RecipientEvent("message.acknowledged", recipient, messageId, agencies), now, cancellationToken);
            return (new AcknowledgeOutcome(DateTimeOffset.FromUnixTimeMilliseconds(millis), AlreadyAcknowledged: false), true);
        }, cancellationToken);

    /// <summary>Records that the recipient read the message; null when it is not in their inbox.</summary>
    public Task<(DateTimeOffset ReadAt, bool Already)?> MarkReadAsync(string recipient, string messageId, CancellationToken cancellationToken) =>
        relay.WriteAsync<(DateTimeOffset, bool)?>(async (connection, transaction, now) =>
        {
            var millis = now.ToUnixTimeMilliseconds();
            await using (var update = connection.Command(
                "UPDATE inbox SET read_at = @now, delivered_at = COALESCE(delivered_at, @now) WHERE recipient_id = @recipient AND message_id = @message AND read_at IS NULL",
                transaction, ("@now", millis), ("@recipient", recipient), ("@message", messageId)))
            {
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    var row = await RowAsync(connection, transaction, recipient, messageId, cancellationToken);
                    return (row is { ReadAt: { } readAt } ? (DateTimeOffset.FromUnixTimeMilliseconds(readAt), true) : null, false);
                }
            }

            var read = await RowAsync(connection, transaction, recipient, messageId, cancellationToken);
            await RelayDatabase.EnqueueAsync(connection, transaction, RelayDatabase.RecipientEvent("message.read", recipient, messageId, read!.Value.Agencies), now, cancellationToken);
            return ((DateTimeOffset.FromUnixTimeMilliseconds(millis), false), true);
        }, cancellationToken);

    /// <summary>An action recipient's reply code, which also acknowledges; null when the message is not in their inbox.</summary>
    public Task<DateTimeOffset?> ReplyAsync(string recipient, string messageId, ReplyCode code, string reason, CancellationToken cancellationToken) =>
        relay.WriteAsync<DateTimeOffset?>(async (connection, transaction, now) =>
        {
            var row = await RowAsync(connection, transaction, recipient, messageId, cancellationToken);
            if (row is null)
            {
                return (null, false);
            }

            if (row.Value.Role != RecipientRole.Action)
            {
                throw new ReplyNotAllowedException("Only action recipients reply with a code; information recipients acknowledge.");
            }

            var millis = now.ToUnixTimeMilliseconds();
            if (await AcknowledgeOnceAsync(connection, transaction, recipient, messageId, millis, cancellationToken) is { } agencies)
            {
                await RelayDatabase.EnqueueAsync(connection, transaction, RelayDatabase.RecipientEvent("message.acknowledged", recipient, messageId, agencies), now, cancellationToken);
            }

            await using (var update = connection.Command(
                "UPDATE inbox SET reply_code = @code, reply_reason = @reason, replied_at = @now WHERE recipient_id = @recipient AND message_id = @message",
                transaction, ("@code", (int)code), ("@reason", reason.Length == 0 ? null : cipher.Seal(reason, messageId)), ("@now", millis),
                ("@recipient", recipient), ("@message", messageId)))
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            var replied = RelayDatabase.RecipientEvent($"message.reply.{code.ToString().ToLowerInvariant()}", recipient, messageId, row.Value.Agencies);
            replied.ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(reason)));
            await RelayDatabase.EnqueueAsync(connection, transaction, replied, now, cancellationToken);
            return (DateTimeOffset.FromUnixTimeMilliseconds(millis), true);
        }, cancellationToken);

    /// <summary>Sets the acknowledgement when there is none yet; returns the message's agencies when this call set it.</summary>
    private static async Task<string?> AcknowledgeOnceAsync(DbConnection connection, DbTransaction transaction, string recipient, string messageId, long millis,
        CancellationToken cancellationToken)
    {
        await using var update = connection.Command(
            "UPDATE inbox SET acknowledged_at = @now, delivered_at = COALESCE(delivered_at, @now) WHERE recipient_id = @recipient AND message_id = @message AND acknowledged_at IS NULL",
            transaction, ("@now", millis), ("@recipient", recipient), ("@message", messageId));
        if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return null;
        }

        return (await RowAsync(connection, transaction, recipient, messageId, cancellationToken))?.Agencies;
    }

    private static async Task<(RecipientRole Role, long? ReadAt, long? AcknowledgedAt, string Agencies)?> RowAsync(
        DbConnection connection, DbTransaction transaction, string recipient, string messageId, CancellationToken cancellationToken)
    {
        await using var find = connection.Command("""
            SELECT i.role, i.read_at, i.acknowledged_at, m.agencies FROM inbox i JOIN messages m ON m.id = i.message_id
            WHERE i.recipient_id = @recipient AND i.message_id = @message
            """, transaction, ("@recipient", recipient), ("@message", messageId));
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return ((RecipientRole)reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetString(3));
    }
}
