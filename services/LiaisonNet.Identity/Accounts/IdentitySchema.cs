using System.Data.Common;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LiaisonNet.Identity.Accounts;

/// <summary>
/// Brings the identity database to the newest schema with EF Core migrations. A SQLite file made by the previous
/// release (created whole, with no migration history) is first brought to the first migration's schema and recorded as
/// at it, then migrated like any other.
/// </summary>
public static class IdentitySchema
{
    public static async Task<IReadOnlyList<string>> MigrateAsync(IdentityDb db, ServiceDatabase storage, CancellationToken cancellationToken)
    {
        try
        {
            if (db is SqliteIdentityDb)
            {
                await AdoptPreviousReleaseAsync(db, cancellationToken);
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            return pending;
        }
        catch (Exception ex) when (ex is DbException { IsTransient: true } or Npgsql.NpgsqlException or InvalidOperationException { InnerException: DbException })
        {
            throw new StorageUnavailableException($"The database named by {storage.Source} cannot be reached: {ex.Message}", ex);
        }
    }

    /// <summary>The previous release made its tables with EnsureCreated and kept no history: it is at the first migration, once two columns are added.</summary>
    private static async Task AdoptPreviousReleaseAsync(IdentityDb db, CancellationToken cancellationToken)
    {
        var tables = await db.Database.SqlQueryRaw<string>("SELECT name AS Value FROM sqlite_master WHERE type = 'table'").ToListAsync(cancellationToken);
        if (!tables.Contains("AspNetUsers") || tables.Contains(HistoryRepository.DefaultTableName))
        {
            return;
        }

        await db.Database.ExecuteSqlRawAsync(
            "CREATE TABLE IF NOT EXISTS audit_outbox (Seq INTEGER NOT NULL CONSTRAINT PK_audit_outbox PRIMARY KEY AUTOINCREMENT, Event BLOB NOT NULL)", cancellationToken);
        var columns = await db.Database.SqlQueryRaw<string>("SELECT name AS Value FROM pragma_table_info('AspNetUsers')").ToListAsync(cancellationToken);
        if (!columns.Contains(nameof(LiaisonUser.Desks)))
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE AspNetUsers ADD COLUMN Desks TEXT NOT NULL DEFAULT ''", cancellationToken);
        }

        var history = db.GetService<IHistoryRepository>();
        var first = db.Database.GetMigrations().First();
        await db.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), cancellationToken);
        await db.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(first, ProductInfo.GetVersion())), cancellationToken);
    }
}
