using System.Data.Common;
using System.Security.Cryptography;
using System.Text;

namespace LiaisonNet.ServiceDefaults.Storage;

/// <summary>Which database server keeps the services' data (setting <c>Liaison:Storage</c>).</summary>
public enum StorageKind
{
    /// <summary>A SQLite file per service under <c>Liaison:DataPath</c>: the embedded default.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database per service, named by <c>ConnectionStrings:&lt;Service&gt;</c>.</summary>
    Postgres,
}

/// <summary>
/// One service's own database, SQLite or PostgreSQL. Stores speak to it in the SQL both understand (named parameters
/// written <c>@name</c>, <c>ON CONFLICT</c>, <c>RETURNING</c>, <c>LIMIT</c>); what differs between the two (column
/// types in the schema, how writers in several processes take turns) is asked of it.
/// </summary>
public abstract class ServiceDatabase
{
    public abstract StorageKind Kind { get; }

    /// <summary>The setting or file that names this database, for messages.</summary>
    public abstract string Source { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes the transaction the only writer under <paramref name="name"/> until it ends, across every process that
    /// shares the database: an advisory transaction lock on PostgreSQL; on SQLite, whose file belongs to one process
    /// that already serialises its writers, the write lock taken at once.
    /// </summary>
    public abstract Task LockAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the lease <paramref name="name"/> on this connection if no other process holds it, and holds it for the
    /// connection's life (a session advisory lock on PostgreSQL, released by the server when the holder's connection
    /// ends, so a killed holder frees it at once); on SQLite, whose file belongs to one process, it is always granted.
    /// </summary>
    public abstract Task<bool> TryTakeLeaseAsync(DbConnection connection, string name, CancellationToken cancellationToken = default);

    /// <summary>A stable 64-bit key for a lock name.</summary>
    protected static long LockKey(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);
}

/// <summary>The database named by the settings is missing or cannot be reached: the service does not start, and says which setting to fix.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One SQL statement and its named parameters, to run with others in one round trip.</summary>
public sealed record Statement(string Sql, params (string Name, object? Value)[] Parameters);

public static class DbCommands
{
    /// <summary>
    /// Runs the statements in one round trip where the provider batches them (PostgreSQL), else one after another
    /// (SQLite, which runs in this process and has no round trip to save).
    /// </summary>
    public static async Task ExecuteAllAsync(this DbConnection connection, DbTransaction transaction, IReadOnlyList<Statement> statements, CancellationToken cancellationToken = default)
    {
        if (statements.Count == 0)
        {
            return;
        }

        if (!connection.CanCreateBatch)
        {
            foreach (var statement in statements)
            {
                await using var command = connection.Command(statement.Sql, transaction, statement.Parameters);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return;
        }

        await using var batch = Batch(connection, transaction, statements);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs statements that each return at most one value (<c>... RETURNING id</c>) in one round trip where the provider
    /// batches them; the value of each, or null where it returned no row.
    /// </summary>
    public static async Task<IReadOnlyList<object?>> ScalarsAsync(this DbConnection connection, DbTransaction transaction, IReadOnlyList<Statement> statements, CancellationToken cancellationToken = default)
    {
        var values = new List<object?>(statements.Count);
        if (statements.Count == 0)
        {
            return values;
        }

        if (!connection.CanCreateBatch)
        {
            foreach (var statement in statements)
            {
                await using var command = connection.Command(statement.Sql, transaction, statement.Parameters);
                values.Add(await command.ExecuteScalarAsync(cancellationToken));
            }

            return values;
        }

        await using var batch = Batch(connection, transaction, statements);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            values.Add(await reader.ReadAsync(cancellationToken) ? reader.GetValue(0) : null);
        }
        while (await reader.NextResultAsync(cancellationToken));
        return values;
    }

    private static DbBatch Batch(DbConnection connection, DbTransaction transaction, IReadOnlyList<Statement> statements)
    {
        var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var statement in statements)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = statement.Sql;
            foreach (var (name, value) in statement.Parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    /// <summary>A command with its named parameters (<c>@name</c>); a null value is sent as SQL NULL.</summary>
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
