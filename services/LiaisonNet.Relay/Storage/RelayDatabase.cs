using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.AuditTrail;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>
/// The relay's database, shared by its stores: the schema brought up to date at start, transactions that commit a change
/// with its audit events or not at all, and the outbox those events wait in.
/// </summary>
/// <remarks>
/// On SQLite the file has one writer, so this process's writers take turns here. On PostgreSQL, several relay processes
/// may write to one database at once: each change is written so that two doing the same at the same moment cannot both
/// succeed (an update conditioned on the state it changes, a unique constraint), and never with a lock held across
/// processes longer than its transaction.
/// </remarks>
public sealed class RelayDatabase(ServiceDatabase db, OutboxSignal outbox, TimeProvider clock) : IHostedService, IAuditOutbox, IDisposable
{
    private readonly SemaphoreSlim _sqliteWriter = new(1, 1);

    public ServiceDatabase Database => db;

    public TimeProvider Clock => clock;

    public async Task StartAsync(CancellationToken cancellationToken) => await SchemaMigrations.ApplyAsync(db, RelaySchema.Migrations, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _sqliteWriter.Dispose();

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => db.OpenAsync(cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it unless it returns <c>Commit: false</c>; wakes the
    /// outbox dispatcher after a commit, since a change writes its audit events with it.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, DateTimeOffset, Task<(T Result, bool Commit)>> work, CancellationToken cancellationToken)
    {
        var sqlite = db.Kind == StorageKind.Sqlite;
        if (sqlite)
        {
            await _sqliteWriter.WaitAsync(cancellationToken);
        }

        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var (result, commit) = await work(connection, transaction, clock.GetUtcNow());
            if (commit)
            {
                await transaction.CommitAsync(cancellationToken);
                outbox.Wake();
            }

            return result;
        }
        finally
        {
            if (sqlite)
            {
                _sqliteWriter.Release();
            }
        }
    }

    /// <summary>Records an audit event with no other change (a refused call).</summary>
    public Task RecordAsync(AuditEvent e, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction, now) =>
        {
            await EnqueueAsync(connection, transaction, e, now, cancellationToken);
            return (true, true);
        }, cancellationToken);

    public Task<IReadOnlyList<(long Seq, AuditEvent Event)>> PeekOutboxAsync(int limit, CancellationToken cancellationToken) =>
        Outbox.PeekAsync(db, limit, cancellationToken);

    public Task RemoveFromOutboxAsync(IReadOnlyList<long> delivered, CancellationToken cancellationToken) =>
        Outbox.RemoveAsync(db, _sqliteWriter, delivered, cancellationToken);

    /// <summary>Stamps the event (id, time, source) and writes it to the outbox in the change's transaction.</summary>
    public static Task EnqueueAsync(DbConnection connection, DbTransaction transaction, AuditEvent e, DateTimeOffset at, CancellationToken cancellationToken) =>
        Outbox.EnqueueAsync(connection, transaction, Stamp(e, at), cancellationToken);

    /// <summary>The event with its id, time and source, as the relay writes it.</summary>
    public static AuditEvent Stamp(AuditEvent e, DateTimeOffset at)
    {
        e.EventId = Guid.CreateVersion7().ToString();
        e.OccurredAt = Timestamp.FromDateTimeOffset(at);
        e.Source = "liaison-relay";
        return e;
    }

    public static AuditEvent RecipientEvent(string action, string recipient, string messageId, string agencies) => new()
    {
        Action = action,
        Actor = recipient,
        ObjectType = "message",
        ObjectId = messageId,
        Agencies = { agencies.Split(',', StringSplitOptions.RemoveEmptyEntries) },
    };

    /// <summary>SHA-256 of the subject and body (UTF-8, separated by a zero byte): what the audit trail keeps instead of the text.</summary>
    public static byte[] ContentHash(string subject, string body) =>
        SHA256.HashData([.. Encoding.UTF8.GetBytes(subject), 0, .. Encoding.UTF8.GetBytes(body)]);

    public static Timestamp? At(DbDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(column)));
}
