using System.Data.Common;
using Npgsql;

namespace LiaisonNet.ServiceDefaults.Storage;

/// <summary>
/// One service's PostgreSQL database. A commit returns once it is durable: the connection insists on
/// <c>synchronous_commit=on</c> whatever the server's default, so an acknowledged write survives a crash of the server.
/// </summary>
public sealed class PostgresDatabase : ServiceDatabase, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;

    public PostgresDatabase(string connectionString, string setting)
    {
        Source = setting;
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c synchronous_commit=on" };
        // Which process a connection (and so a lease) belongs to, as the server's activity views show it.
        builder.ApplicationName ??= $"liaisonnet {setting} pid {Environment.ProcessId}";
        _source = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    public override StorageKind Kind => StorageKind.Postgres;

    public override string Source { get; }

    public NpgsqlDataSource DataSource => _source;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default) => await _source.OpenConnectionAsync(cancellationToken);

    public override async Task LockAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken = default)
    {
        await using var command = connection.Command("SELECT pg_advisory_xact_lock(@key)", transaction, ("@key", LockKey(name)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<bool> TryTakeLeaseAsync(DbConnection connection, string name, CancellationToken cancellationToken = default)
    {
        await using var command = connection.Command("SELECT pg_try_advisory_lock(@key)", null, ("@key", LockKey("lease:" + name)));
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>The application name of the process holding the lease <paramref name="name"/> (see <c>pg_stat_activity</c>), or null when none does.</summary>
    public async Task<string?> LeaseHolderAsync(string name, CancellationToken cancellationToken = default)
    {
        var key = LockKey("lease:" + name);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = @high AND l.objid::bigint = @low
            """, null, ("@high", (key >> 32) & 0xFFFF_FFFFL), ("@low", key & 0xFFFF_FFFFL));
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
