using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using LiaisonNet.Host;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>The migrate command, and a database that is missing or unreachable stopping the host with a sentence, never a stack trace.</summary>
public sealed class StorageStartupTests : IDisposable
{
    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("liaison-migrate-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task TheMigrateCommandBringsEveryDatabaseToThisReleaseOnceAndASecondRunDoesNothing()
    {
        var first = new StringWriter();
        await EmbeddedHost.MigrateAsync(["--data", _folder], first);
        var applied = first.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, applied.Length);
        Assert.All(applied, line => Assert.Contains(": applied ", line, StringComparison.Ordinal));
        Assert.Contains(applied, line => line.StartsWith("Identity ", StringComparison.Ordinal) && line.Contains("_Initial", StringComparison.Ordinal));

        var second = new StringWriter();
        await EmbeddedHost.MigrateAsync(["--data", _folder], second);
        Assert.All(second.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.EndsWith(": up to date", line.TrimEnd(), StringComparison.Ordinal));

        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => EmbeddedHost.MigrateAsync(["--data", _folder, "--Liaison:Storage=Postgres"], TextWriter.Null));
        Assert.Contains("ConnectionStrings:Audit is not set", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADataFolderOfThePreviousReleaseIsAdoptedInPlaceKeepingItsData()
    {
        // The previous release made its tables at start (CREATE ... IF NOT EXISTS, EnsureCreated) and kept no schema version.
        foreach (var (service, script) in new[] { ("audit", LiaisonNet.Audit.Log.AuditLog.Migrations[0].Sqlite), ("directory", LiaisonNet.Directory.Storage.DirectoryStore.Migrations[0].Sqlite),
            ("relay", LiaisonNet.Relay.Storage.RelaySchema.Migrations[0].Sqlite) })
        {
            var database = new SqliteDatabase(Path.Combine(_folder, service, $"{service}.db"));
            System.IO.Directory.CreateDirectory(Path.Combine(_folder, service));
            await database.EnsureSchemaAsync(script);
            if (service != "audit")
            {
                // An audit event still waiting to be delivered: it must be there after the upgrade.
                await database.EnsureSchemaAsync("INSERT INTO outbox(event) VALUES (x'0a0131')");
            }
        }

        // The identity tables as the first migration has them, with no migration history (as EnsureCreated left them).
        System.IO.Directory.CreateDirectory(Path.Combine(_folder, "identity"));
        string[] identityMigrations;
        await using (var identity = new LiaisonNet.Identity.Accounts.SqliteIdentityDb(new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<LiaisonNet.Identity.Accounts.SqliteIdentityDb>()
            .UseSqlite($"Data Source={Path.Combine(_folder, "identity", "identity.db")}").Options))
        {
            identityMigrations = [.. identity.Database.GetMigrations()];
            await identity.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync(identityMigrations[0]);
            await identity.Database.ExecuteSqlRawAsync("DROP TABLE __EFMigrationsHistory");
        }

        var output = new StringWriter();
        await EmbeddedHost.MigrateAsync(["--data", _folder], output);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines.Where(l => !l.StartsWith("Identity ", StringComparison.Ordinal)), line => Assert.Contains(": applied version 1", line, StringComparison.Ordinal));
        // Adopted as at the first migration, then brought up to the newest.
        var identityLine = lines.Single(l => l.StartsWith("Identity ", StringComparison.Ordinal)).TrimEnd();
        Assert.EndsWith(identityMigrations.Length == 1 ? ": up to date" : $": applied {string.Join(", ", identityMigrations.Skip(1))}", identityLine, StringComparison.Ordinal);
        foreach (var service in new[] { "directory", "relay" })
        {
            var kept = await LiaisonNet.ServiceDefaults.AuditTrail.Outbox.PeekAsync(new SqliteDatabase(Path.Combine(_folder, service, $"{service}.db")), 10, CancellationToken.None);
            Assert.Single(kept);
        }
    }

    [Theory]
    [InlineData("", "ConnectionStrings:Identity is not set")]
    [InlineData("Host=/nonexistent/liaison-socket;Database=liaison_identity;Username=liaison;Timeout=3", "ConnectionStrings:Identity cannot be reached")]
    public async Task TheHostOnAMissingOrUnreachableDatabaseSaysWhichSettingAndExits(string connectionString, string expected)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var root = AppContext.BaseDirectory[..AppContext.BaseDirectory.IndexOf($"{Path.DirectorySeparatorChar}tests{Path.DirectorySeparatorChar}", StringComparison.Ordinal)];
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            Path.Combine(root, "services", "LiaisonNet.Host", "bin", configuration, "net10.0", "LiaisonNet.Host.dll"), "--data", _folder, "--Liaison:Storage=Postgres",
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (connectionString.Length > 0)
        {
            start.ArgumentList.Add($"--ConnectionStrings:Identity={connectionString}");
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        var said = await error + await output;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains(expected, said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
    }
}
