using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace LiaisonNet.ServiceDefaults.Storage;

/// <summary>
/// One service's SQLite file: WAL journal, synchronous=FULL (a committed transaction is on disk before the call returns),
/// foreign keys on, and a busy timeout instead of immediate "database is locked" failures.
/// </summary>
public sealed class SqliteDatabase(string path) : ServiceDatabase
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>What every connection to a service's SQLite file sets first.</summary>
    public const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";

    public string Path { get; } = path;

    public override StorageKind Kind => StorageKind.Sqlite;

    public override string Source => Path;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = Pragmas;
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// Nothing to take: the file belongs to this one process, and Microsoft.Data.Sqlite begins every transaction with
    /// BEGIN IMMEDIATE, which takes SQLite's single write lock at once.
    /// </summary>
    public override Task LockAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override Task<bool> TryTakeLeaseAsync(DbConnection connection, string name, CancellationToken cancellationToken = default) => Task.FromResult(true);

    /// <summary>Runs a SQL script as it stands, outside the migrations (tests make a database as an earlier release did with it).</summary>
    public async Task EnsureSchemaAsync(string script, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = script;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
