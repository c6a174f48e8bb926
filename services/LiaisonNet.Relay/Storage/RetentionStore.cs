using Google.Protobuf;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Relay.Messages;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>Messages past their expiry, deleted with what hangs on them; the trail keeps the hash of what was sent.</summary>
public sealed class RetentionStore(RelayDatabase relay, BodyCipher cipher)
{
    /// <summary>
    /// Deletes up to <paramref name="limit"/> messages past their expiry, with their inbox entries and escalations; each
    /// leaves a "message.expired" event carrying the hash of its content, so the trail still proves what was sent. A
    /// message another process deleted first is left to it (and audited once).
    /// </summary>
    public Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken) =>
        relay.WriteAsync(async (connection, transaction, now) =>
        {
            var expired = new List<(string Id, string Subject, string Body, string Agencies)>();
            await using (var find = connection.Command(
                "SELECT id, subject, body, agencies FROM messages WHERE expires_at IS NOT NULL AND expires_at <= @now ORDER BY expires_at LIMIT @limit",
                transaction, ("@now", now.ToUnixTimeMilliseconds()), ("@limit", limit)))
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var id = reader.GetString(0);
                    expired.Add((id, cipher.Open((byte[])reader[1], id), cipher.Open((byte[])reader[2], id), reader.GetString(3)));
                }
            }

            var purged = 0;
            foreach (var (id, subject, body, agencies) in expired)
            {
                foreach (var table in new[] { "inbox", "escalations" })
                {
                    await using var delete = connection.Command($"DELETE FROM {table} WHERE message_id = @id", transaction, ("@id", id));
                    await delete.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var message = connection.Command("DELETE FROM messages WHERE id = @id", transaction, ("@id", id)))
                {
                    if (await message.ExecuteNonQueryAsync(cancellationToken) == 0)
                    {
                        continue;
                    }
                }

                purged++;
                await RelayDatabase.EnqueueAsync(connection, transaction, new AuditEvent
                {
                    Action = "message.expired",
                    Actor = "liaison-relay",
                    ObjectType = "message",
                    ObjectId = id,
                    ContentHash = ByteString.CopyFrom(RelayDatabase.ContentHash(subject, body)),
                    Agencies = { agencies.Split(',', StringSplitOptions.RemoveEmptyEntries) },
                }, now, cancellationToken);
            }

            return (purged, true);
        }, cancellationToken);
}
