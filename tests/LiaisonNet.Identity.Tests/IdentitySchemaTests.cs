using LiaisonNet.Identity.Accounts;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using LiaisonNet.TestKit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace LiaisonNet.Identity.Tests;

/// <summary>The identity database under EF Core migrations, on SQLite and on a real PostgreSQL server.</summary>
public sealed class IdentitySchemaTests : IDisposable
{
    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("liaison-identity-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(_folder, recursive: true);
    }

    private static SqliteIdentityDb Sqlite(string path) => new(new DbContextOptionsBuilder<SqliteIdentityDb>().UseSqlite($"Data Source={path}").Options);

    [Fact]
    public async Task ADatabaseMadeByThePreviousReleaseUpgradesInPlaceKeepingItsAccountsAndASecondStartDoesNothing()
    {
        // The previous release created its tables whole (EnsureCreated), with no migration history: the tables of the first
        // migration.
        var path = Path.Combine(_folder, "identity.db");
        string[] migrations;
        await using (var previous = Sqlite(path))
        {
            migrations = [.. previous.Database.GetMigrations()];
            await previous.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync(migrations[0]);
            await previous.Database.ExecuteSqlRawAsync("DROP TABLE __EFMigrationsHistory");
            previous.Users.Add(new LiaisonUser { Id = "kz-bs-kept", UserName = "kept", NormalizedUserName = "KEPT", Agency = "KZ-BS", Country = "KZ" });
            await previous.SaveChangesAsync();
        }

        await using (var upgraded = Sqlite(path))
        {
            // Adopted as at the first migration, then brought up to the newest.
            Assert.Equal(migrations.Skip(1), await IdentitySchema.MigrateAsync(upgraded, new SqliteDatabase(path), CancellationToken.None));
            Assert.Equal(upgraded.Database.GetMigrations(), await upgraded.Database.GetAppliedMigrationsAsync());
            Assert.Equal("KZ-BS", (await upgraded.Users.SingleAsync(u => u.Id == "kz-bs-kept")).Agency);
        }

        await using var again = Sqlite(path);
        Assert.Empty(await IdentitySchema.MigrateAsync(again, new SqliteDatabase(path), CancellationToken.None));
    }

    [Fact]
    public async Task AnEmptyPostgresDatabaseIsMigratedOnceAndAnUnreachableOneIsNamedBySetting()
    {
        await using var server = await PostgresServer.StartAsync();
        var connectionString = server.ConnectionString(ServiceKind.Identity);
        await using var storage = new PostgresDatabase(connectionString, "ConnectionStrings:Identity");
        PostgresIdentityDb Postgres() => new(new DbContextOptionsBuilder<PostgresIdentityDb>().UseNpgsql(storage.DataSource).Options);

        await using (var fresh = Postgres())
        {
            Assert.Equal(fresh.Database.GetMigrations(), await IdentitySchema.MigrateAsync(fresh, storage, CancellationToken.None));
            Assert.Equal(0, await fresh.Users.CountAsync());
        }

        await using (var again = Postgres())
        {
            Assert.Empty(await IdentitySchema.MigrateAsync(again, storage, CancellationToken.None));
        }

        await using var nowhere = new PostgresDatabase($"Host={Path.Combine(_folder, "no-server")};Database=liaison_identity;Username=liaison;Timeout=3", "ConnectionStrings:Identity");
        await using var unreachable = new PostgresIdentityDb(new DbContextOptionsBuilder<PostgresIdentityDb>().UseNpgsql(nowhere.DataSource).Options);
        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => IdentitySchema.MigrateAsync(unreachable, nowhere, CancellationToken.None));
        Assert.Contains("ConnectionStrings:Identity", refused.Message, StringComparison.Ordinal);
    }
}
