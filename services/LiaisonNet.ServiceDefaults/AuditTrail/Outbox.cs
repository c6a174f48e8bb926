using System.Data.Common;
using Google.Protobuf;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.ServiceDefaults.AuditTrail;

/// <summary>
/// The "outbox" table a service keeps in its own database (seq, encoded event): written in the same transaction as the
/// change an event records, read and emptied by the <see cref="OutboxDispatcher"/>.
/// </summary>
public static class Outbox
{
    /// <summary>The table, as the first migration of a service that keeps one.</summary>
    public const string SqliteSchema = "CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, event BLOB NOT NULL);";

    public const string PostgresSchema = "CREATE TABLE IF NOT EXISTS outbox(seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event BYTEA NOT NULL);";

    public static async Task EnqueueAsync(DbConnection connection, DbTransaction? transaction, AuditEvent e, CancellationToken cancellationToken)
    {
        var statement = Enqueue(e);
        await using var command = connection.Command(statement.Sql, transaction, statement.Parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The insert of one event, to run with the change it records.</summary>
    public static Statement Enqueue(AuditEvent e) => new("INSERT INTO outbox(event) VALUES (@event)", ("@event", e.ToByteArray()));

    public static async Task<IReadOnlyList<(long Seq, AuditEvent Event)>> PeekAsync(ServiceDatabase db, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT seq, event FROM outbox ORDER BY seq LIMIT @limit", null, ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<(long, AuditEvent)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add((reader.GetInt64(0), AuditEvent.Parser.ParseFrom((byte[])reader[1])));
        }

        return events;
    }

    /// <summary>Deletes the delivered events, under the store's writer lock (<paramref name="writer"/>).</summary>
    public static async Task RemoveAsync(ServiceDatabase db, SemaphoreSlim writer, IReadOnlyList<long> delivered, CancellationToken cancellationToken)
    {
        await writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            foreach (var chunk in delivered.Chunk(100))
            {
                var names = chunk.Select((_, i) => $"@s{i}").ToList();
                await using var command = connection.Command($"DELETE FROM outbox WHERE seq IN ({string.Join(", ", names)})", null,
                    [.. chunk.Select((seq, i) => (names[i], (object?)seq))]);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            writer.Release();
        }
    }
}
