using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LiaisonNet.ServiceDefaults.Storage;

/// <summary>
/// One versioned change of a service's schema, written once for each database: SQLite's types and PostgreSQL's
/// (<c>INTEGER</c> and <c>BLOB</c> there, <c>BIGINT</c> and <c>BYTEA</c> here). Released migrations are never edited: a
/// change is a new version.
/// </summary>
public sealed record Migration(int Version, string Name, string Sqlite, string Postgres);

/// <summary>
/// Brings a database to the newest schema at start-up: the versions it lacks, in order, in one transaction, recorded in
/// <c>schema_migrations</c>. Several processes starting together on one database take turns; the first applies, the
/// others find nothing to do.
/// </summary>
public static class SchemaMigrations
{
    /// <summary>Applies what is missing; returns the versions applied (none on a second start).</summary>
    public static async Task<IReadOnlyList<int>> ApplyAsync(ServiceDatabase database, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        var versions = migrations.Select(m => m.Version).ToList();
        if (versions.Distinct().Count() != versions.Count || !versions.SequenceEqual(versions.Order()))
        {
            throw new InvalidOperationException("Migrations must have distinct versions in ascending order.");
        }

        await using var connection = await OpenOrExplainAsync(database, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await database.LockAsync(connection, transaction, "schema-migrations", cancellationToken);
        await using (var create = connection.Command(
            "CREATE TABLE IF NOT EXISTS schema_migrations(version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)", transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = new HashSet<long>();
        await using (var read = connection.Command("SELECT version FROM schema_migrations", transaction))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt64(0));
            }
        }

        if (applied.Count > 0 && applied.Max() > versions.LastOrDefault())
        {
            throw new StorageUnavailableException(
                $"The database named by {database.Source} has schema version {applied.Max()}, newer than this release knows ({versions.LastOrDefault()}): run the newer release, or restore a backup.");
        }

        var done = new List<int>();
        foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await using (var step = connection.Command(database.Kind == StorageKind.Postgres ? migration.Postgres : migration.Sqlite, transaction))
            {
                await step.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = connection.Command("INSERT INTO schema_migrations(version, name, applied_at) VALUES (@version, @name, @at)", transaction,
                ("@version", (long)migration.Version), ("@name", migration.Name), ("@at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())))
            {
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            done.Add(migration.Version);
        }

        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    /// <summary>Opens a connection, or says which setting names a database that cannot be reached.</summary>
    public static async Task<DbConnection> OpenOrExplainAsync(ServiceDatabase database, CancellationToken cancellationToken = default)
    {
        try
        {
            return await database.OpenAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or SqliteException or SocketException or IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException($"The database named by {database.Source} cannot be reached: {ex.Message}", ex);
        }
    }
}
