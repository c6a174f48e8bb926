using System.Data.Common;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>
/// Adds messages to inboxes under each recipient's own cursor sequence. The counter row of a recipient is taken in the
/// sending transaction and held until it commits, so a recipient's entries commit in cursor order: a reader that has
/// seen cursor N never later finds an entry below N appear, however many relay processes write.
/// </summary>
public static class InboxEntries
{
    /// <summary>
    /// Takes the counter rows of every recipient a transaction will write to, in one order (by id) for all writers, so
    /// that two transactions writing to the same recipients wait for each other instead of deadlocking.
    /// </summary>
    public static async Task LockCountersAsync(ServiceDatabase db, DbConnection connection, DbTransaction transaction, IEnumerable<string> recipients, CancellationToken cancellationToken)
    {
        if (db.Kind != StorageKind.Postgres)
        {
            return;
        }

        foreach (var chunk in recipients.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Chunk(200))
        {
            var names = chunk.Select((_, i) => $"@r{i}").ToList();
            var parameters = chunk.Select((r, i) => (names[i], (object?)r)).ToArray();
            await using (var create = connection.Command(
                $"INSERT INTO inbox_cursors(recipient_id, last) VALUES {string.Join(", ", names.Select(n => $"({n}, 0)"))} ON CONFLICT DO NOTHING", transaction, parameters))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var lockRows = connection.Command(
                $"SELECT recipient_id FROM inbox_cursors WHERE recipient_id IN ({string.Join(", ", names)}) ORDER BY recipient_id FOR UPDATE", transaction, parameters);
            await using var reader = await lockRows.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
            }
        }
    }

    /// <summary>
    /// Adds the message to the recipient's inbox (once) under the next cursor of the recipient's own sequence, which is
    /// kept apart from the items and only grows: purging an item never frees its cursor for another.
    /// </summary>
    public static async Task AddAsync(DbConnection connection, DbTransaction transaction, string recipient, string messageId, RecipientRole role, string? viaDesk,
        CancellationToken cancellationToken)
    {
        await using (var exists = connection.Command("SELECT 1 FROM inbox WHERE recipient_id = @recipient AND message_id = @message", transaction,
            ("@recipient", recipient), ("@message", messageId)))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }
        }

        long cursor;
        await using (var next = connection.Command("""
            INSERT INTO inbox_cursors(recipient_id, last) VALUES (@recipient, 1)
            ON CONFLICT(recipient_id) DO UPDATE SET last = inbox_cursors.last + 1
            RETURNING last
            """, transaction, ("@recipient", recipient)))
        {
            cursor = Convert.ToInt64(await next.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var entry = connection.Command("""
            INSERT INTO inbox(recipient_id, cursor, message_id, role, via_desk) VALUES (@recipient, @cursor, @message, @role, @desk)
            ON CONFLICT DO NOTHING
            """, transaction, ("@recipient", recipient), ("@cursor", cursor), ("@message", messageId), ("@role", (int)role), ("@desk", viaDesk));
        await entry.ExecuteNonQueryAsync(cancellationToken);
    }
}
