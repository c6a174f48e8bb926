using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Messages;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>What a sender sees of their messages (receipts, the Sent list), and what a caller may refer to.</summary>
public sealed class SentStore(RelayDatabase relay, BodyCipher cipher)
{
    /// <summary>Every recipient's receipt of a message, for its sender; null when <paramref name="sender"/> did not send it.</summary>
    public async Task<IReadOnlyList<Receipt>?> ReceiptsAsync(string sender, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await relay.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT i.recipient_id, i.role, m.sent_at, i.delivered_at, i.read_at, i.acknowledged_at, i.reply_code, i.reply_reason, i.replied_at, i.via_desk,
                   i.acknowledged_by
            FROM messages m JOIN inbox i ON i.message_id = m.id
            WHERE m.id = @message AND m.sender_id = @sender ORDER BY i.recipient_id
            """, null, ("@message", messageId), ("@sender", sender));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var receipts = new List<Receipt>();
        while (await reader.ReadAsync(cancellationToken))
        {
            receipts.Add(new Receipt
            {
                RecipientId = reader.GetString(0),
                Role = (RecipientRole)reader.GetInt32(1),
                AcceptedAt = RelayDatabase.At(reader, 2),
                DeliveredAt = RelayDatabase.At(reader, 3),
                ReadAt = RelayDatabase.At(reader, 4),
                AcknowledgedAt = RelayDatabase.At(reader, 5),
                ReplyCode = reader.IsDBNull(6) ? ReplyCode.Unspecified : (ReplyCode)reader.GetInt32(6),
                ReplyReason = reader.IsDBNull(7) ? string.Empty : cipher.Open((byte[])reader[7], messageId),
                RepliedAt = RelayDatabase.At(reader, 8),
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
        await using (var connection = await relay.OpenAsync(cancellationToken))
        {
            await using var command = connection.Command("""
                SELECT id, precedence, subject, sent_at, acknowledge_by, meta FROM messages
                WHERE sender_id = @sender AND (CAST(@before AS TEXT) IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit
                """, null, ("@sender", sender), ("@before", before), ("@limit", limit + 1));
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
        await using var connection = await relay.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT CASE WHEN EXISTS(SELECT 1 FROM messages WHERE id = @message AND sender_id = @caller)
                OR EXISTS(SELECT 1 FROM inbox WHERE message_id = @message AND recipient_id = @caller) THEN 1 ELSE 0 END
            """, null, ("@message", messageId), ("@caller", caller));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>The message, when <paramref name="caller"/> sent or received it; null otherwise.</summary>
    public async Task<Original?> OriginalAsync(string caller, string messageId, CancellationToken cancellationToken)
    {
        if (!await CanReferenceAsync(caller, messageId, cancellationToken))
        {
            return null;
        }

        await using var connection = await relay.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT sender_id, subject, body, meta, agencies FROM messages WHERE id = @id", null, ("@id", messageId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Original(messageId, reader.GetString(0), cipher.Open((byte[])reader[1], messageId), cipher.Open((byte[])reader[2], messageId),
                MessageMeta.FromJson(reader.GetString(3)), reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries))
            : null;
    }
}
