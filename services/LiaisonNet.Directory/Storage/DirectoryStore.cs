using System.Text.Json;
using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Seed;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Directory.Storage;

/// <summary>Directory settings (section "Directory").</summary>
public sealed class DirectoryOptions
{
    public const string Section = "Directory";

    /// <summary>Load the demo directory into an empty database at start.</summary>
    public bool SeedDemoData { get; set; }
}

/// <summary>Officers in SQLite (one JSON document each), loaded into the search index at start.</summary>
public sealed class DirectoryStore(IOptions<LiaisonOptions> options, IOptions<DirectoryOptions> directoryOptions, OfficerIndex index, ILogger<DirectoryStore> logger)
    : IHostedService
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS officers(
            id TEXT PRIMARY KEY,
            country TEXT NOT NULL,
            agency TEXT NOT NULL,
            document TEXT NOT NULL);
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SqliteDatabase _db = new(Path.Combine(options.Value.DataFolderFor(ServiceKind.Directory.DataFolderName()), "directory.db"));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _db.EnsureSchemaAsync(Schema, cancellationToken);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using (var count = connection.Command("SELECT COUNT(*) FROM officers"))
        {
            if ((long)(await count.ExecuteScalarAsync(cancellationToken))! == 0 && directoryOptions.Value.SeedDemoData)
            {
                await using var transaction = connection.BeginTransaction();
                foreach (var officer in DemoDirectory.Officers)
                {
                    await using var insert = connection.Command("INSERT INTO officers(id, country, agency, document) VALUES ($id, $country, $agency, $doc)", transaction,
                        ("$id", officer.Id), ("$country", officer.Country), ("$agency", officer.Agency), ("$doc", JsonSerializer.Serialize(officer, Json)));
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Seeded the demo directory with {Count} officers", DemoDirectory.Officers.Count);
            }
        }

        var officers = new List<OfficerRecord>();
        await using var select = connection.Command("SELECT document FROM officers");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            officers.Add(JsonSerializer.Deserialize<OfficerRecord>(reader.GetString(0), Json)!);
        }

        index.Load(officers);
        logger.LogInformation("Directory loaded {Count} officers", officers.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
