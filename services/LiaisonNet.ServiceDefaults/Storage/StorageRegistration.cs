using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LiaisonNet.ServiceDefaults.Storage;

public static class StorageRegistration
{
    /// <summary>
    /// The service's own database, as <c>Liaison:Storage</c> chooses: its SQLite file <paramref name="sqliteFile"/> in
    /// its data folder, or the PostgreSQL database of <c>ConnectionStrings:&lt;Service&gt;</c>.
    /// </summary>
    public static IServiceCollection AddServiceDatabase(this IServiceCollection services, ServiceKind kind, string sqliteFile)
    {
        services.AddSingleton<ServiceDatabase>(provider => Create(provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<IOptions<LiaisonOptions>>().Value, kind, sqliteFile));
        return services;
    }

    public static ServiceDatabase Create(IConfiguration configuration, LiaisonOptions options, ServiceKind kind, string sqliteFile)
    {
        if (options.Storage == StorageKind.Sqlite)
        {
            return new SqliteDatabase(Path.Combine(options.DataFolderFor(kind.DataFolderName()), sqliteFile));
        }

        var setting = $"ConnectionStrings:{kind}";
        var connectionString = configuration.GetConnectionString(kind.ToString());
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new StorageUnavailableException(
                $"Liaison:Storage is Postgres, but {setting} is not set: give the connection string of the {kind} service's own database (infra/postgres/start.sh prints one).");
        }

        try
        {
            return new PostgresDatabase(connectionString, setting);
        }
        catch (ArgumentException ex)
        {
            throw new StorageUnavailableException($"{setting} is not a valid PostgreSQL connection string: {ex.Message}", ex);
        }
    }
}
