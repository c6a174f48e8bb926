using System.Data.Common;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LiaisonNet.Identity.Accounts;

/// <summary>
/// EF Core's connections to the identity file get the same settings as every other service's SQLite connection: WAL
/// (sign-ins read while the outbox is emptied), synchronous=FULL, and a busy timeout rather than "database is locked".
/// </summary>
public sealed class SqliteDurability : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = SqliteDatabase.Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteDatabase.Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
