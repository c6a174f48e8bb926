using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace LiaisonNet.ServiceDefaults.Storage;

/// <summary>
/// The ASP.NET Core Data Protection key ring of a service kept in its own PostgreSQL database, so that every instance
/// of the service reads and protects with the same keys (a session cookie issued by one gateway is accepted by another).
/// The table is the service's own; it is made on first use, and keys are only ever added.
/// </summary>
public sealed class DatabaseKeyRing(ServiceDatabase database) : IXmlRepository
{
    private const string Schema = "CREATE TABLE IF NOT EXISTS dataprotection_keys(name TEXT PRIMARY KEY, xml TEXT NOT NULL)";

    public IReadOnlyCollection<XElement> GetAllElements() => GetAllElementsAsync().GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) => StoreElementAsync(element, friendlyName).GetAwaiter().GetResult();

    private async Task<IReadOnlyCollection<XElement>> GetAllElementsAsync()
    {
        await using var connection = await database.OpenAsync();
        await EnsureAsync(connection);
        await using var command = connection.Command("SELECT xml FROM dataprotection_keys ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<XElement>();
        while (await reader.ReadAsync())
        {
            keys.Add(XElement.Parse(reader.GetString(0)));
        }

        return keys;
    }

    private async Task StoreElementAsync(XElement element, string friendlyName)
    {
        await using var connection = await database.OpenAsync();
        await EnsureAsync(connection);
        await using var command = connection.Command("INSERT INTO dataprotection_keys(name, xml) VALUES (@name, @xml) ON CONFLICT (name) DO NOTHING", null,
            ("@name", friendlyName), ("@xml", element.ToString(SaveOptions.DisableFormatting)));
        await command.ExecuteNonQueryAsync();
    }

    private static async Task EnsureAsync(System.Data.Common.DbConnection connection)
    {
        try
        {
            await using var command = connection.Command(Schema);
            await command.ExecuteNonQueryAsync();
        }
        catch (System.Data.Common.DbException) when (connection.State == System.Data.ConnectionState.Open)
        {
            // Another instance may have made it at the same moment; if not, this says why.
            if (!await ExistsAsync(connection))
            {
                throw;
            }
        }
    }

    private static async Task<bool> ExistsAsync(System.Data.Common.DbConnection connection)
    {
        await using var command = connection.Command("SELECT COUNT(*) FROM dataprotection_keys");
        try
        {
            await command.ExecuteScalarAsync();
            return true;
        }
        catch (System.Data.Common.DbException)
        {
            return false;
        }
    }
}

/// <summary>
/// Makes sure the shared key ring holds a key before this instance protects anything, one instance at a time: the
/// first to start makes the key, the others find it, so no two instances begin with keys the other has not seen.
/// </summary>
public sealed class KeyRingWarmUp(ServiceDatabase database, IDataProtectionProvider protection) : Microsoft.Extensions.Hosting.IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await database.LockAsync(connection, transaction, "dataprotection-keys", cancellationToken);
        protection.CreateProtector("LiaisonNet.KeyRingWarmUp").Protect([1]);
        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
