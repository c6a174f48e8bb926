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
    /// Takes the next <paramref name="count"/> cursors of the recipient's sequence and returns the first. The counter
    /// row stays taken until the transaction ends; a transaction writing to several recipients takes them in one order
    /// (by id) for all writers, so that two such transactions wait for each other instead of deadlocking.
    /// </summary>
    public static async Task<long> ReserveAsync(DbConnection connection, DbTransaction transaction, string recipient, int count, CancellationToken cancellationToken)
    {
        // A recipient's first entry starts above the floor a restore left (zero until then).
        await using var next = connection.Command("""
            INSERT INTO inbox_cursors(recipient_id, last) VALUES (@recipient, COALESCE((SELECT floor FROM cursor_floor WHERE id = 1), 0) + @count)
            ON CONFLICT(recipient_id) DO UPDATE SET last = inbox_cursors.last + @count
            RETURNING last
            """, transaction, ("@recipient", recipient), ("@count", (long)count));
        return Convert.ToInt64(await next.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) - count + 1;
    }

    /// <summary>
    /// How far a restore moves every cursor sequence on: more than any recipient receives between a backup and its
    /// restore, so that a client holding a cursor it was given after the backup (by the system that was lost) never
    /// finds a new entry below it.
    /// </summary>
    public const long RestoreGap = 1L << 32;

    /// <summary>
    /// Run on a restored database before the relay starts on it: every sequence, and the floor of those not yet begun,
    /// moves on by <see cref="RestoreGap"/>. Returns how many recipients' sequences moved.
    /// </summary>
    public static async Task<int> OpenGapAfterRestoreAsync(ServiceDatabase database, CancellationToken cancellationToken)
    {
        await SchemaMigrations.ApplyAsync(database, RelaySchema.Migrations, cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var floor = connection.Command("""
            INSERT INTO cursor_floor(id, floor) VALUES (1, @gap) ON CONFLICT(id) DO UPDATE SET floor = cursor_floor.floor + @gap
            """, transaction, ("@gap", RestoreGap)))
        {
            await floor.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var moved = connection.Command("UPDATE inbox_cursors SET last = last + @gap", transaction, ("@gap", RestoreGap));
        var count = await moved.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    /// <summary>The inbox entry itself, under a cursor already reserved.</summary>
    public static Statement Insert(string recipient, long cursor, string messageId, RecipientRole role, string? viaDesk) => new("""
        INSERT INTO inbox(recipient_id, cursor, message_id, role, via_desk) VALUES (@recipient, @cursor, @message, @role, @desk)
        ON CONFLICT DO NOTHING
        """, ("@recipient", recipient), ("@cursor", cursor), ("@message", messageId), ("@role", (int)role), ("@desk", viaDesk));

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

        var insert = Insert(recipient, await ReserveAsync(connection, transaction, recipient, 1, cancellationToken), messageId, role, viaDesk);
        await using var entry = connection.Command(insert.Sql, transaction, insert.Parameters);
        await entry.ExecuteNonQueryAsync(cancellationToken);
    }
}
