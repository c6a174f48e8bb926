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

    /// <summary>A stable 64-bit key for a lock name.</summary>
    protected static long LockKey(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);
}

/// <summary>The database named by the settings is missing or cannot be reached: the service does not start, and says which setting to fix.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public static class DbCommands
{
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
