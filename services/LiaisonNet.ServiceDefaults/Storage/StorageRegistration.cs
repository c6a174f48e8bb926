using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LiaisonNet.ServiceDefaults.Storage;

public static class StorageRegistration
{
    /// <summary>
    /// The service's own database, as <c>Liaison:Storage</c> chooses: its SQLite file <paramref name="sqliteFile"/> in
    /// its data folder, or the PostgreSQL database of <c>ConnectionStrings:&lt;Service&gt;</c>, reached once here so that
    /// a database that is missing or unreachable stops the service before it starts, in one sentence naming the setting.
    /// </summary>
    public static ServiceDatabase AddServiceDatabase(this IServiceCollection services, IConfiguration configuration, ServiceKind kind, string sqliteFile)
    {
        var liaison = configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>() ?? new LiaisonOptions();
        var database = Create(configuration, liaison, kind, sqliteFile);
        Probe(database);
        // Made by a factory, so that the container closes it (and a PostgreSQL pool's connections) when the service stops.
        services.AddSingleton(_ => database);
        services.AddSingleton<WorkLeases>();
        return database;
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
                $"Liaison:Storage is Postgres, but {setting} is not set: give the connection string of the {kind} service's own database (infra/local/postgres.sh prints one).");
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

    /// <summary>Opens one connection and closes it again, or says which setting names a database that cannot be reached.</summary>
    public static void Probe(ServiceDatabase database)
    {
        if (database.Kind == StorageKind.Sqlite)
        {
            return;
        }

        using var connection = SchemaMigrations.OpenOrExplainAsync(database).GetAwaiter().GetResult();
    }
}
