using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Messages;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>What reached a desk, and its staff acting for the desk.</summary>
public sealed class DeskStore(RelayDatabase relay, InboxStore inbox, BodyCipher cipher)
{
    /// <summary>
    /// Messages that reached <paramref name="deskId"/>, newest first (message ids grow with time), each with whom of the
    /// desk it reached and whether and by whom it was acknowledged for the desk.
    /// </summary>
    public async Task<(IReadOnlyList<DeskItem> Items, string? Next)> DeskItemsAsync(string deskId, bool includeAcknowledged, string? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await relay.OpenAsync(cancellationToken);
        await using var command = connection.Command($"""
            SELECT {InboxStore.ItemColumns}, i.replied_at, e.chain
            FROM inbox i JOIN messages m ON m.id = i.message_id
            LEFT JOIN escalations e ON e.message_id = i.message_id AND e.desk_id = @desk
            WHERE i.via_desk = @desk AND i.message_id IN (
                SELECT DISTINCT d.message_id FROM inbox d
                WHERE d.via_desk = @desk AND (CAST(@before AS TEXT) IS NULL OR d.message_id < @before)
                  AND (@all OR NOT EXISTS (SELECT 1 FROM inbox a WHERE a.message_id = d.message_id AND a.via_desk = @desk AND a.acknowledged_at IS NOT NULL))
                ORDER BY d.message_id DESC LIMIT @limit)
            ORDER BY m.id DESC
            """, null, ("@desk", deskId), ("@before", before), ("@all", includeAcknowledged), ("@limit", limit + 1));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<DeskItem>();
        DeskItem? current = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = inbox.ToItem(reader);
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
    public Task<AcknowledgeOutcome?> ActForDeskAsync(string staff, string deskId, string messageId, (ReplyCode Code, string Reason)? reply, CancellationToken cancellationToken) =>
        relay.WriteAsync<AcknowledgeOutcome?>(async (connection, transaction, now) =>
        {
            var rows = new List<(string Recipient, RecipientRole Role, long? AcknowledgedAt)>();
            var agencies = string.Empty;
            await using (var find = connection.Command("""
                SELECT i.recipient_id, i.role, i.acknowledged_at, m.agencies FROM inbox i JOIN messages m ON m.id = i.message_id
                WHERE i.message_id = @message AND i.via_desk = @desk
                """, transaction, ("@message", messageId), ("@desk", deskId)))
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
                return (null, false);
            }

            if (reply is not null && rows.All(r => r.Role != RecipientRole.Action))
            {
                throw new ReplyNotAllowedException("The desk is only informed of this message; acknowledge it instead.");
            }

            var acknowledged = rows.Where(r => r.AcknowledgedAt is not null).Select(r => r.AcknowledgedAt!.Value).DefaultIfEmpty().Min();
            if (acknowledged != 0 && reply is null)
            {
                return (new AcknowledgeOutcome(DateTimeOffset.FromUnixTimeMilliseconds(acknowledged), AlreadyAcknowledged: true), false);
            }

            var millis = now.ToUnixTimeMilliseconds();
            // Closes what is still open; the first to close the desk's entries is the one acknowledgement audited.
            int closed;
            await using (var close = connection.Command("""
                UPDATE inbox SET acknowledged_by = @staff, acknowledged_at = @now, delivered_at = COALESCE(delivered_at, @now)
                WHERE message_id = @message AND via_desk = @desk AND acknowledged_at IS NULL AND (@replying = 0 OR role = @action)
                """, transaction, ("@staff", staff), ("@now", millis), ("@message", messageId), ("@desk", deskId), ("@replying", reply is null ? 0 : 1),
                ("@action", (int)RecipientRole.Action)))
            {
                closed = await close.ExecuteNonQueryAsync(cancellationToken);
            }

            if (reply is { } answer)
            {
                await using var replied = connection.Command("""
                    UPDATE inbox SET reply_code = @code, reply_reason = @reason, replied_at = @now
                    WHERE message_id = @message AND via_desk = @desk AND role = @action
                    """, transaction, ("@code", (int)answer.Code), ("@reason", answer.Reason.Length > 0 ? cipher.Seal(answer.Reason, messageId) : null), ("@now", millis),
                    ("@message", messageId), ("@desk", deskId), ("@action", (int)RecipientRole.Action));
                await replied.ExecuteNonQueryAsync(cancellationToken);
            }

            var related = rows.Select(r => r.Recipient).Prepend($"desk:{deskId}").ToList();
            if (acknowledged == 0 && closed > 0)
            {
                var e = RelayDatabase.RecipientEvent("message.acknowledged", staff, messageId, agencies);
                e.Related.Add(related);
                await RelayDatabase.EnqueueAsync(connection, transaction, e, now, cancellationToken);
            }

            if (reply is { } given)
            {
                var replied = RelayDatabase.RecipientEvent($"message.reply.{given.Code.ToString().ToLowerInvariant()}", staff, messageId, agencies);
                replied.ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(given.Reason)));
                replied.Related.Add(related);
                await RelayDatabase.EnqueueAsync(connection, transaction, replied, now, cancellationToken);
            }

            return (new AcknowledgeOutcome(DateTimeOffset.FromUnixTimeMilliseconds(acknowledged != 0 && reply is null ? acknowledged : millis), AlreadyAcknowledged: acknowledged != 0), true);
        }, cancellationToken);
}
