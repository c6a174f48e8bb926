using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Directory.Model;
using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Seed;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.AuditTrail;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.ScaleOut;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Directory.Storage;

/// <summary>Directory settings (section "Directory").</summary>
public sealed class DirectoryOptions
{
    public const string Section = "Directory";

    /// <summary>Load the demo directory into an empty database at start.</summary>
    public bool SeedDemoData { get; set; }

    /// <summary>Instead of the demo officers, generate this many synthetic ones (benchmarks and load tests).</summary>
    public int SyntheticOfficers { get; set; }

    /// <summary>Searches a caller may make in a burst, and per second after it.</summary>
    public int SearchBurst { get; set; } = 30;

    public int SearchesPerSecond { get; set; } = 10;
}

public static class EntityTypes
{
    public const string Officer = "officer";
    public const string Desk = "desk";
    public const string Sender = "sender";
}

/// <summary>One stored version of an entry: who changed it, when, and the documents before and after.</summary>
public sealed record EntryVersion(long Version, DateTimeOffset ChangedAt, string ChangedBy, string? Before, string? After);

/// <summary>A change to apply: the new document (null to delete) and the version the caller last read (0 to create).</summary>
public sealed record Change<T>(string Id, T? After, long ExpectedVersion);

public sealed class VersionConflictException(string id, long expected, long actual)
    : Exception($"{LiaisonNet.ServiceDefaults.Grpc.RpcErrors.Quote(id)} is at version {actual}, not {expected}: read it again and reapply your change.");

/// <summary>
/// Officers and desks in the service's database (one JSON document each, with every earlier version), loaded into the in-memory index;
/// every change is saved with its version row and its audit event in one transaction, then the index is rebuilt.
/// </summary>
public sealed class DirectoryStore(
    ServiceDatabase db, IOptions<DirectoryOptions> directoryOptions, DirectoryIndex index, OutboxSignal outbox, IInstanceSignals signals, TimeProvider clock,
    ILogger<DirectoryStore> logger) : IHostedService, IAuditOutbox, IDisposable
{
    /// <summary>The schema, version by version; released versions are never edited.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "officers, desks, senders, their versions, and the outbox",
            Sqlite: """
                CREATE TABLE IF NOT EXISTS officers(id TEXT PRIMARY KEY, agency TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS desks(id TEXT PRIMARY KEY, agency TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS senders(id TEXT PRIMARY KEY, agency TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS versions(
                    entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, version INTEGER NOT NULL,
                    changed_at INTEGER NOT NULL, changed_by TEXT NOT NULL, before TEXT, after TEXT,
                    PRIMARY KEY(entity_type, entity_id, version));
                """ + Outbox.SqliteSchema,
            Postgres: """
                CREATE TABLE IF NOT EXISTS officers(id TEXT PRIMARY KEY, agency TEXT NOT NULL, version BIGINT NOT NULL, document TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS desks(id TEXT PRIMARY KEY, agency TEXT NOT NULL, version BIGINT NOT NULL, document TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS senders(id TEXT PRIMARY KEY, agency TEXT NOT NULL, version BIGINT NOT NULL, document TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS versions(
                    entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, version BIGINT NOT NULL,
                    changed_at BIGINT NOT NULL, changed_by TEXT NOT NULL, before TEXT, after TEXT,
                    PRIMARY KEY(entity_type, entity_id, version));
                """ + Outbox.PostgresSchema),
        new(2, "the change sequence other instances follow",
            Sqlite: "CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL);",
            Postgres: "CREATE TABLE IF NOT EXISTS changes(seq BIGSERIAL PRIMARY KEY, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL);"),
    ];

    /// <summary>The instance signal channel on which a committed change is announced (its sequence number).</summary>
    public const string ChangedSignal = "changed";

    private const int CatchUpPage = 1000;

    /// <summary>Guards the index against a local change and a change followed from another instance at once.</summary>
    private readonly Lock _indexGate = new();

    /// <summary>The last change sequence number applied to the index; changes this instance made itself, applied already.</summary>
    private long _applied;
    private readonly HashSet<long> _own = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Changes are made one at a time, across every process sharing the database.</summary>
    private const string WriterLock = "directory-writer";

    private readonly SemaphoreSlim _writer = new(1, 1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await SchemaMigrations.ApplyAsync(db, Migrations, cancellationToken);
        await using var connection = await db.OpenAsync(cancellationToken);
        await SeedAsync(connection, cancellationToken);
        // The sequence first, then the entries: a change committed in between is applied again by the follower, harmlessly.
        await using (var last = connection.Command("SELECT COALESCE(MAX(seq), 0) FROM changes"))
        {
            _applied = Convert.ToInt64(await last.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var loadedOfficers = await ReadAllAsync<OfficerRecord>(connection, "officers", cancellationToken);
        var loadedDesks = await ReadAllAsync<DeskRecord>(connection, "desks", cancellationToken);
        Load(loadedOfficers, loadedDesks, await ReadAllAsync<SenderRecord>(connection, "senders", cancellationToken));
        logger.LogInformation("Directory loaded {Officers} officers and {Desks} desks", loadedOfficers.Count, loadedDesks.Count);
    }

    /// <summary>
    /// Loads the demo (or synthetic) directory into an empty database, under the writer lock so that several processes
    /// starting together on one database seed it once.
    /// </summary>
    private async Task SeedAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var options = directoryOptions.Value;
        if (!options.SeedDemoData && options.SyntheticOfficers == 0)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await db.LockAsync(connection, transaction, WriterLock, cancellationToken);
        var seededAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (await CountAsync(connection, transaction, "officers", cancellationToken) == 0)
        {
            // A synthetic directory comes on top of the demo one, so that the demo sign-ins still find each other.
            var (officers, desks) = (DemoDirectory.Officers, DemoDirectory.Desks);
            if (options.SyntheticOfficers > 0)
            {
                var synthetic = SyntheticDirectory.Generate(options.SyntheticOfficers, seed: 2026);
                (officers, desks) = ([.. officers, .. synthetic.Officers], [.. desks, .. synthetic.Desks]);
            }

            foreach (var officer in officers)
            {
                await SeedRowAsync(connection, transaction, "officers", EntityTypes.Officer, officer.Id, officer.Agency, JsonSerializer.Serialize(officer, Json), seededAt, cancellationToken);
            }

            foreach (var desk in desks)
            {
                await SeedRowAsync(connection, transaction, "desks", EntityTypes.Desk, desk.Id, desk.Agency, JsonSerializer.Serialize(desk, Json), seededAt, cancellationToken);
            }

            logger.LogInformation("Seeded the directory with {Officers} officers and {Desks} desks", officers.Count, desks.Count);
        }

        // Checked on its own: a directory made before senders existed gets the demo sender too.
        if (options.SeedDemoData && await CountAsync(connection, transaction, "senders", cancellationToken) == 0)
        {
            foreach (var sender in DemoDirectory.Senders)
            {
                await SeedRowAsync(connection, transaction, "senders", EntityTypes.Sender, sender.Id, sender.Agency, JsonSerializer.Serialize(sender, Json), seededAt, cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _writer.Dispose();

    /// <summary>Applies officer changes, all or none, each checked against the version the caller read; returns the new versions.</summary>
    public Task<IReadOnlyList<long>> ChangeOfficersAsync(IReadOnlyList<Change<OfficerRecord>> changes, string actor, string actorAgency, string? batch, CancellationToken cancellationToken) =>
        ChangeAsync(EntityTypes.Officer, "officers", changes, o => o.Agency, (o, v) => o with { Version = v }, actor, actorAgency, batch, cancellationToken);

    public Task<IReadOnlyList<long>> ChangeSendersAsync(IReadOnlyList<Change<SenderRecord>> changes, string actor, string actorAgency, CancellationToken cancellationToken) =>
        ChangeAsync(EntityTypes.Sender, "senders", changes, s => s.Agency, (s, v) => s with { Version = v }, actor, actorAgency, null, cancellationToken);

    public Task<IReadOnlyList<long>> ChangeDesksAsync(IReadOnlyList<Change<DeskRecord>> changes, string actor, string actorAgency, CancellationToken cancellationToken) =>
        ChangeAsync(EntityTypes.Desk, "desks", changes, d => d.Agency, (d, v) => d with { Version = v }, actor, actorAgency, null, cancellationToken);

    public async Task<IReadOnlyList<EntryVersion>> HistoryAsync(string entityType, string id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT version, changed_at, changed_by, before, after FROM versions WHERE entity_type = @type AND entity_id = @id ORDER BY version DESC LIMIT 1000", null,
            ("@type", entityType), ("@id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<EntryVersion>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new EntryVersion(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return versions;
    }

    /// <summary>Records an audit event with no other change (a look-up of restricted fields, an export).</summary>
    public async Task RecordAsync(AuditEvent e, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            await EnqueueAsync(connection, null, e, cancellationToken);
        }
        finally
        {
            _writer.Release();
        }

        outbox.Wake();
    }

    public Task<IReadOnlyList<(long Seq, AuditEvent Event)>> PeekOutboxAsync(int limit, CancellationToken cancellationToken) =>
        Outbox.PeekAsync(db, limit, cancellationToken);

    public Task RemoveFromOutboxAsync(IReadOnlyList<long> delivered, CancellationToken cancellationToken) =>
        Outbox.RemoveAsync(db, _writer, delivered, cancellationToken);

    /// <summary>An audit event about a directory entry, stamped with a fresh id and the current time.</summary>
    public AuditEvent Event(string action, string actor, string objectType, string objectId, string? document, params string?[] agencies)
    {
        var e = new AuditEvent
        {
            EventId = Guid.CreateVersion7().ToString(),
            OccurredAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            Actor = actor,
            Action = action,
            ObjectType = objectType,
            ObjectId = objectId,
            Source = "liaison-directory",
            ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(document ?? string.Empty))),
        };
        e.Agencies.AddRange(agencies.OfType<string>().Where(a => a.Length > 0).Distinct(StringComparer.Ordinal));
        return e;
    }

    private async Task<IReadOnlyList<long>> ChangeAsync<T>(
        string entityType, string table, IReadOnlyList<Change<T>> changes, Func<T, string> agencyOf, Func<T, long, T> withVersion,
        string actor, string actorAgency, string? batch, CancellationToken cancellationToken)
        where T : class
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await db.LockAsync(connection, transaction, WriterLock, cancellationToken);
            var now = clock.GetUtcNow();
            var versions = new List<long>(changes.Count);
            var seqs = new List<long>(changes.Count);
            var applied = new List<(string Id, T? Stored)>(changes.Count);
            foreach (var change in changes)
            {
                var (currentVersion, version, before) = await CurrentAsync(connection, transaction, table, entityType, change.Id, cancellationToken);
                if (currentVersion != change.ExpectedVersion || (change.After is null && before is null))
                {
                    throw new VersionConflictException(change.Id, change.ExpectedVersion, currentVersion);
                }

                string? after = null;
                string? agency;
                T? stored = null;
                if (change.After is { } document)
                {
                    stored = withVersion(document, version);
                    after = JsonSerializer.Serialize(stored, Json);
                    agency = agencyOf(stored);
                    await UpsertRowAsync(connection, transaction, table, change.Id, agency, version, after, cancellationToken);
                }
                else
                {
                    agency = before is null ? null : agencyOf(JsonSerializer.Deserialize<T>(before, Json)!);
                    await using var delete = connection.Command($"DELETE FROM {table} WHERE id = @id", transaction, ("@id", change.Id));
                    await delete.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var history = connection.Command(
                    "INSERT INTO versions(entity_type, entity_id, version, changed_at, changed_by, before, after) VALUES (@type, @id, @version, @at, @by, @before, @after)",
                    transaction, ("@type", entityType), ("@id", change.Id), ("@version", version), ("@at", now.ToUnixTimeMilliseconds()), ("@by", actor),
                    ("@before", before), ("@after", after)))
                {
                    await history.ExecuteNonQueryAsync(cancellationToken);
                }

                var action = after is null ? "deleted" : before is null ? "created" : "updated";
                var e = Event($"directory.{entityType}.{action}", actor, entityType, change.Id, after ?? before, agency, actorAgency);
                if (batch is not null)
                {
                    e.Related.Add(batch);
                }

                await EnqueueAsync(connection, transaction, e, cancellationToken);
                await using (var sequence = connection.Command("INSERT INTO changes(entity_type, entity_id) VALUES (@type, @id) RETURNING seq", transaction,
                    ("@type", entityType), ("@id", change.Id)))
                {
                    seqs.Add(Convert.ToInt64(await sequence.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture));
                }

                versions.Add(version);
                applied.Add((change.Id, stored));
            }

            await transaction.CommitAsync(cancellationToken);
            lock (_indexGate)
            {
                Reindex(applied);
                _own.UnionWith(seqs);
            }

            outbox.Wake();
            signals.Publish(ChangedSignal, seqs[^1].ToString(System.Globalization.CultureInfo.InvariantCulture));
            return versions;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// Applies to the index every change committed after the last one applied, by any instance, reading the changed
    /// entries from the database; returns how many changes it read. Changes commit in sequence order (they are made
    /// under the writer lock), so reading past the last applied number never skips one.
    /// </summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        long after;
        lock (_indexGate)
        {
            after = _applied;
        }

        var changed = new List<(long Seq, string Type, string Id)>();
        await using (var command = connection.Command("SELECT seq, entity_type, entity_id FROM changes WHERE seq > @after ORDER BY seq LIMIT @limit", null,
            ("@after", after), ("@limit", CatchUpPage)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                changed.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        if (changed.Count == 0)
        {
            return 0;
        }

        List<(long Seq, string Type, string Id)> foreign;
        lock (_indexGate)
        {
            foreign = [.. changed.Where(c => !_own.Contains(c.Seq))];
        }

        // Read outside the lock; a later change to the same entry is applied by a later catch-up.
        var officers = await CurrentOfAsync<OfficerRecord>(connection, "officers", foreign.Where(c => c.Type == EntityTypes.Officer), cancellationToken);
        var desks = await CurrentOfAsync<DeskRecord>(connection, "desks", foreign.Where(c => c.Type == EntityTypes.Desk), cancellationToken);
        var senders = await CurrentOfAsync<SenderRecord>(connection, "senders", foreign.Where(c => c.Type == EntityTypes.Sender), cancellationToken);
        lock (_indexGate)
        {
            if (officers.Count > 0)
            {
                Reindex(officers);
            }

            if (desks.Count > 0)
            {
                Reindex(desks);
            }

            if (senders.Count > 0)
            {
                Reindex(senders);
            }

            _applied = Math.Max(_applied, changed[^1].Seq);
            _own.RemoveWhere(seq => seq <= _applied);
        }

        if (foreign.Count > 0)
        {
            logger.LogInformation("Directory index took in {Count} changes made by other instances (to #{Seq})", foreign.Count, changed[^1].Seq);
        }

        return changed.Count;
    }

    private static async Task<List<(string Id, T? Stored)>> CurrentOfAsync<T>(DbConnection connection, string table, IEnumerable<(long Seq, string Type, string Id)> changes,
        CancellationToken cancellationToken)
        where T : class
    {
        var result = new List<(string Id, T? Stored)>();
        foreach (var id in changes.Select(c => c.Id).Distinct(StringComparer.Ordinal))
        {
            await using var command = connection.Command($"SELECT document FROM {table} WHERE id = @id", null, ("@id", id));
            result.Add((id, await command.ExecuteScalarAsync(cancellationToken) is string document ? JsonSerializer.Deserialize<T>(document, Json) : null));
        }

        return result;
    }

    /// <summary>Rebuilds the index from what it holds with the committed changes applied; nothing is read back from disk.</summary>
    private void Reindex<T>(IReadOnlyList<(string Id, T? Stored)> applied)
        where T : class
    {
        var ids = applied.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var stored = applied.Select(a => a.Stored).OfType<T>().ToList();
        if (typeof(T) == typeof(OfficerRecord))
        {
            Load([.. index.Officers.Where(o => !ids.Contains(o.Id)), .. stored.Cast<OfficerRecord>()], index.Desks, index.Senders);
        }
        else if (typeof(T) == typeof(DeskRecord))
        {
            Load(index.Officers, [.. index.Desks.Where(d => !ids.Contains(d.Id)), .. stored.Cast<DeskRecord>()], index.Senders);
        }
        else
        {
            Load(index.Officers, index.Desks, [.. index.Senders.Where(s => !ids.Contains(s.Id)), .. stored.Cast<SenderRecord>()]);
        }
    }

    private void Load(IReadOnlyList<OfficerRecord> officers, IReadOnlyList<DeskRecord> desks, IReadOnlyList<SenderRecord> senders) =>
        index.Load(officers, desks, DemoDirectory.Places, DemoDirectory.Agencies, DemoDirectory.Units, senders);

    /// <summary>The stored version (0 when absent), the next version number (a re-created entry continues its history), and the document.</summary>
    private static async Task<(long Version, long Next, string? Document)> CurrentAsync(
        DbConnection connection, DbTransaction transaction, string table, string entityType, string id, CancellationToken cancellationToken)
    {
        await using (var command = connection.Command($"SELECT version, document FROM {table} WHERE id = @id", transaction, ("@id", id)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                return (reader.GetInt64(0), reader.GetInt64(0) + 1, reader.GetString(1));
            }
        }

        await using var last = connection.Command("SELECT COALESCE(MAX(version), 0) FROM versions WHERE entity_type = @type AND entity_id = @id", transaction,
            ("@type", entityType), ("@id", id));
        return (0, (long)(await last.ExecuteScalarAsync(cancellationToken))! + 1, null);
    }

    /// <summary>A seeded entry starts its history at version 1, changed by "seed".</summary>
    private static async Task SeedRowAsync(DbConnection connection, DbTransaction transaction, string table, string entityType, string id, string agency, string document, long at, CancellationToken cancellationToken)
    {
        await UpsertRowAsync(connection, transaction, table, id, agency, 1, document, cancellationToken);
        await using var history = connection.Command(
            "INSERT INTO versions(entity_type, entity_id, version, changed_at, changed_by, before, after) VALUES (@type, @id, 1, @at, 'seed', NULL, @after)",
            transaction, ("@type", entityType), ("@id", id), ("@at", at), ("@after", document));
        await history.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task UpsertRowAsync(DbConnection connection, DbTransaction transaction, string table, string id, string agency, long version, string document, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"INSERT INTO {table}(id, agency, version, document) VALUES (@id, @agency, @version, @doc) ON CONFLICT(id) DO UPDATE SET agency = @agency, version = @version, document = @doc",
            transaction, ("@id", id), ("@agency", agency), ("@version", version), ("@doc", document));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<T>> ReadAllAsync<T>(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        await using var command = connection.Command($"SELECT document FROM {table}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), Json)!);
        }

        return items;
    }

    private static async Task<long> CountAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"SELECT COUNT(*) FROM {table}", transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static Task EnqueueAsync(DbConnection connection, DbTransaction? transaction, AuditEvent e, CancellationToken cancellationToken) =>
        Outbox.EnqueueAsync(connection, transaction, e, cancellationToken);
}
