using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Audit.Log;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using LiaisonNet.TestKit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Audit.Tests;

/// <summary>The audit log on a real PostgreSQL server: the same log as on SQLite, and one log whatever number of writers share it.</summary>
public sealed class PostgresLogTests : IAsyncLifetime
{
    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("liaison-audit-").FullName;
    private readonly List<IAsyncDisposable> _opened = [];
    private PostgresServer _server = null!;

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var opened in _opened)
        {
            await opened.DisposeAsync();
        }

        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(_folder, recursive: true);
    }

    private static AuditEvent Event(int i) => new()
    {
        EventId = $"event-{i}", OccurredAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i)),
        Actor = $"kz-bs-officer-{i % 7}", Action = "message.sent", ObjectType = "message", ObjectId = $"message-{i}",
        ContentHash = ByteString.CopyFrom(new byte[32]), Agencies = { i % 2 == 0 ? "KZ-BS" : "UZ-CUS" }, Source = "liaison-relay",
    };

    /// <summary>An audit log as the service makes it, on the given database, with its keys in the shared test folder.</summary>
    private async Task<AuditLog> OpenAsync(ServiceDatabase database)
    {
        var options = Options.Create(new LiaisonOptions { DataPath = _folder });
        var signer = new CheckpointSigner(options, Options.Create(new AuditOptions()), TimeProvider.System);
        var log = new AuditLog(database, signer, NullLogger<AuditLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        return log;
    }

    private PostgresDatabase Postgres()
    {
        var database = new PostgresDatabase(_server.ConnectionString(ServiceKind.Audit), "ConnectionStrings:Audit");
        _opened.Add(database);
        return database;
    }

    [Fact]
    public async Task TheSameEventsGiveTheSameRootsAndProofsOnSqliteAndPostgresAndSurviveARestart()
    {
        var sqlite = await OpenAsync(new SqliteDatabase(Path.Combine(_folder, "audit.db")));
        var postgres = await OpenAsync(Postgres());
        foreach (var batch in Enumerable.Range(0, 300).Select(Event).Chunk(37))
        {
            await sqlite.AppendAsync(batch, CancellationToken.None);
            await postgres.AppendAsync(batch, CancellationToken.None);
        }

        Assert.Equal(300, postgres.Size);
        foreach (var size in new long[] { 1, 2, 37, 128, 255, 300 })
        {
            Assert.Equal(sqlite.RootOf(size), postgres.RootOf(size));
            Assert.Equal(sqlite.InclusionProof(size - 1, 300), postgres.InclusionProof(size - 1, 300));
            Assert.Equal(sqlite.ConsistencyProof(size, 300), postgres.ConsistencyProof(size, 300));
        }

        var trail = await postgres.TrailAsync(new TrailQuery("kz-bs-officer-3", "KZ-BS", null, null), AuditScope.All, -1, 100, CancellationToken.None);
        Assert.Equal(
            (await sqlite.TrailAsync(new TrailQuery("kz-bs-officer-3", "KZ-BS", null, null), AuditScope.All, -1, 100, CancellationToken.None)).Select(e => e.Index),
            trail.Select(e => e.Index));
        Assert.All(trail, e => Assert.Equal("KZ-BS", Assert.Single(e.Event.Agencies)));

        // What was committed is there after a restart: the same size and root, verified against the stored entries.
        var reopened = await OpenAsync(Postgres());
        Assert.Equal(300L, reopened.Size);
        Assert.Equal(postgres.RootOf(300), reopened.RootOf(300));
        Assert.True((await reopened.VerifyStoredAsync(CancellationToken.None)).Valid);
    }

    [Fact]
    public async Task TwoWritersOnOneDatabaseReceivingTheSameEventsKeepOneLogWithoutDuplicateOrGap()
    {
        var first = await OpenAsync(Postgres());
        var second = await OpenAsync(Postgres());
        // The same outbox events reach both (as after a retry through another instance), in different batches and orders.
        var events = Enumerable.Range(1000, 600).Select(Event).ToList();
        var shuffled = events.OrderBy(e => e.EventId.GetHashCode(StringComparison.Ordinal)).ToList();
        await Task.WhenAll(
            Task.Run(async () =>
            {
                foreach (var batch in events.Chunk(25))
                {
                    await first.AppendAsync(batch, CancellationToken.None);
                }
            }),
            Task.Run(async () =>
            {
                foreach (var batch in shuffled.Chunk(40))
                {
                    await second.AppendAsync(batch, CancellationToken.None);
                }
            }));

        await first.RefreshAsync(CancellationToken.None);
        await second.RefreshAsync(CancellationToken.None);
        var size = first.Size;
        Assert.Equal(size, second.Size);
        Assert.Equal(first.RootOf(size), second.RootOf(size));
        var stored = await first.EntriesAsync(0, size, AuditScope.All, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, (int)size).Select(i => (long)i), stored.Select(e => e.Index));
        var ids = stored.Select(e => e.Event.EventId).Where(id => id.StartsWith("event-", StringComparison.Ordinal)).ToList();
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Superset(events.Select(e => e.EventId).ToHashSet(), ids.ToHashSet());
        Assert.True((await first.VerifyStoredAsync(CancellationToken.None)).Valid);
        Assert.True((await second.VerifyStoredAsync(CancellationToken.None)).Valid);
    }

    [Fact]
    public async Task MigrationsRunOnceAndAnUnreachableDatabaseIsNamedBySetting()
    {
        var database = Postgres();
        await OpenAsync(database);
        Assert.Empty(await SchemaMigrations.ApplyAsync(database, AuditLog.Migrations));

        var missing = new PostgresDatabase($"Host={Path.Combine(_folder, "no-such-server")};Database=liaison_audit;Username=liaison;Timeout=3", "ConnectionStrings:Audit");
        _opened.Add(missing);
        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => SchemaMigrations.ApplyAsync(missing, AuditLog.Migrations));
        Assert.Contains("ConnectionStrings:Audit", refused.Message, StringComparison.Ordinal);

        var unset = Assert.Throws<StorageUnavailableException>(() => StorageRegistration.Create(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), new LiaisonOptions { Storage = StorageKind.Postgres }, ServiceKind.Audit, "audit.db"));
        Assert.Contains("ConnectionStrings:Audit is not set", unset.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALogMadeByThePreviousReleaseUpgradesInPlace()
    {
        // The previous release made its tables with CREATE IF NOT EXISTS and kept no schema version.
        var path = Path.Combine(_folder, "previous.db");
        var previous = new SqliteDatabase(path);
        await previous.EnsureSchemaAsync(AuditLog.Migrations[0].Sqlite);
        var old = await OpenAsync(previous);
        await old.AppendAsync([Event(1), Event(2)], CancellationToken.None);
        await using (var connection = await previous.OpenAsync())
        await using (var drop = connection.Command("DROP TABLE schema_migrations"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var upgraded = await OpenAsync(new SqliteDatabase(path));
        Assert.Equal(2, upgraded.Size);
        Assert.Equal(old.RootOf(2), upgraded.RootOf(2));
        Assert.Empty(await SchemaMigrations.ApplyAsync(new SqliteDatabase(path), AuditLog.Migrations));
    }
}
