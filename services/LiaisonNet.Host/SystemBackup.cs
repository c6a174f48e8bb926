using System.Security.Cryptography;
using System.Text.Json;
using LiaisonNet.Audit.Log;
using LiaisonNet.Relay.Storage;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Data.Sqlite;

namespace LiaisonNet.Host;

/// <summary>A backup or restore that cannot go on, in one sentence that says what to do; nothing was changed.</summary>
public sealed class BackupException(string message) : Exception(message);

/// <summary>One file of a backup, with what it must read back as.</summary>
public sealed record BackupFile(string Path, long Size, string Sha256);

/// <summary>
/// <c>backup.json</c>, written last: a folder without it is an unfinished backup, which a restore refuses.
/// </summary>
public sealed record BackupManifest(int Format, string Id, DateTimeOffset TakenAt, DateTimeOffset FinishedAt, StorageKind Storage, IReadOnlyList<BackupFile> Files)
{
    public const string FileName = "backup.json";
    public const int CurrentFormat = 1;
}

/// <summary>What a restore brought back.</summary>
public sealed record RestoreReport(BackupManifest Backup, long AuditEntries, long RelayMessages, int CursorSequencesMoved, string? ReplacedDataKeptIn,
    IReadOnlyList<string> MissingBodyKeys);

/// <summary>
/// The <c>backup</c> and <c>restore</c> commands. A backup is taken while the system runs: every service's data folder
/// (its key files: token signing, checkpoint signing, the cookie key rings) and its database (SQLite's online backup,
/// or pg_dump), the embedded host's secrets (the body encryption key among them) and the body keys the configuration
/// holds. A restore checks every file against the manifest first, then puts the data back while every service is
/// stopped, and prepares it so that what clients saw of the lost time cannot hide what comes after.
/// </summary>
public static class SystemBackup
{
    /// <summary>
    /// The audit log last: it then holds every event the other services' data records as delivered (an event still in
    /// their outboxes is delivered again after a restore, and the log keeps it once, by its id).
    /// </summary>
    private static readonly ServiceKind[] Order = [ServiceKind.Identity, ServiceKind.Directory, ServiceKind.Gateway, ServiceKind.Relay, ServiceKind.Audit];

    private const string ConfiguredBodyKeys = "configured-body-keys.json";
    private const string HostSecretsFile = "host-secrets.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>The command line: <c>backup --to FOLDER [--data FOLDER]</c> or <c>restore --from FOLDER [--data FOLDER] [--replace]</c>, with settings after them.</summary>
    public static async Task<int> RunAsync(string command, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var rest = args.ToList();
        string? Take(string name)
        {
            var index = rest.IndexOf(name);
            if (index < 0 || index + 1 >= rest.Count)
            {
                return null;
            }

            var value = rest[index + 1];
            rest.RemoveRange(index, 2);
            return value;
        }

        var replace = rest.Remove("--replace");
        var data = Take("--data");
        var folder = Take(command == "backup" ? "--to" : "--from");
        if (folder is null)
        {
            error.WriteLine(command == "backup"
                ? "usage: LiaisonNet.Host backup --to <new folder> [--data <data folder>] [settings, as the services are given them]"
                : "usage: LiaisonNet.Host restore --from <backup folder> [--data <data folder>] [--replace] [settings, as the services are given them]");
            return 2;
        }

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{LiaisonOptions.Section}:DataPath"] = Path.GetFullPath(data ?? "data") })
            .AddEnvironmentVariables()
            .AddCommandLine([.. rest])
            .Build();
        try
        {
            if (command == "backup")
            {
                await BackupAsync(configuration, folder, output, cancellationToken);
            }
            else
            {
                await RestoreAsync(configuration, folder, replace, output, cancellationToken);
            }

            return 0;
        }
        catch (Exception ex) when (ex is BackupException or StorageUnavailableException)
        {
            error.WriteLine($"The {command} did not happen: {ex.Message}");
            return 1;
        }
    }

    public static async Task<BackupManifest> BackupAsync(IConfiguration configuration, string to, TextWriter output, CancellationToken cancellationToken = default)
    {
        var liaison = OptionsOf(configuration);
        var dataPath = Path.GetFullPath(liaison.DataPath);
        var target = Path.GetFullPath(to);
        if (!System.IO.Directory.Exists(dataPath))
        {
            throw new BackupException($"There is no data folder at {dataPath}: give the one the services use with --data.");
        }

        if (System.IO.Directory.Exists(target) && System.IO.Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new BackupException($"{target} is not empty: a backup goes into a folder of its own.");
        }

        if (Inside(target, dataPath))
        {
            throw new BackupException($"{target} is inside the data folder {dataPath}: put the backup elsewhere.");
        }

        var takenAt = DateTimeOffset.UtcNow;
        var id = $"{takenAt:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        CreatePrivateFolder(target);

        // The secrets the embedded host generated, and the body keys the configuration gives the relay (a deployment's).
        if (File.Exists(Path.Combine(dataPath, HostSecretsFile)))
        {
            CopyPrivate(Path.Combine(dataPath, HostSecretsFile), Path.Combine(target, HostSecretsFile));
        }

        var bodyKeys = configuration.GetSection("Relay:BodyKeys").GetChildren().ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        if (bodyKeys.Count > 0)
        {
            WritePrivate(Path.Combine(target, ConfiguredBodyKeys),
                JsonSerializer.Serialize(new { ActiveBodyKey = configuration["Relay:ActiveBodyKey"], BodyKeys = bodyKeys }, Json));
        }

        foreach (var kind in Order)
        {
            var name = kind.DataFolderName();
            var source = Path.Combine(dataPath, name);
            var destination = Path.Combine(target, name);
            CreatePrivateFolder(destination);
            // The folder's own files before the database: the audit log's record of what it verified last must not be
            // newer than the log copied after it.
            var files = System.IO.Directory.Exists(source) ? CopyFolder(source, destination, $"{name}.db") : 0;
            string database;
            if (liaison.Storage == StorageKind.Sqlite)
            {
                var file = Path.Combine(source, $"{name}.db");
                database = File.Exists(file) ? CopySqlite(file, Path.Combine(destination, $"{name}.db")) : "no database yet";
            }
            else
            {
                var dump = Path.Combine(destination, $"{name}.pgdump");
                await PostgresTools.DumpAsync(ConnectionStringOf(configuration, kind), $"ConnectionStrings:{kind}", dump, cancellationToken);
                database = $"pg_dump, {Size(new FileInfo(dump).Length)}";
            }

            output.WriteLine($"{kind}: {files} files, database {database}");
        }

        var manifest = new BackupManifest(BackupManifest.CurrentFormat, id, takenAt, DateTimeOffset.UtcNow, liaison.Storage, await HashFolderAsync(target, cancellationToken));
        WritePrivate(Path.Combine(target, BackupManifest.FileName), JsonSerializer.Serialize(manifest, Json));
        output.WriteLine($"Backup {id} is in {target}: {manifest.Files.Count} files, {Size(manifest.Files.Sum(f => f.Size))}, taken from {takenAt:O} to {manifest.FinishedAt:O}.");
        output.WriteLine("It holds the system's keys (token signing, checkpoint signing, body encryption): keep it as you keep them.");
        return manifest;
    }

    public static async Task<RestoreReport> RestoreAsync(IConfiguration configuration, string from, bool replace, TextWriter output, CancellationToken cancellationToken = default)
    {
        var liaison = OptionsOf(configuration);
        var dataPath = Path.GetFullPath(liaison.DataPath);
        var source = Path.GetFullPath(from);
        var manifest = await ReadAndCheckAsync(source, cancellationToken);
        if (manifest.Storage != liaison.Storage)
        {
            throw new BackupException($"The backup was taken on {manifest.Storage}, and Liaison:Storage is {liaison.Storage}: restore it onto the storage it came from.");
        }

        var holdsData = System.IO.Directory.Exists(dataPath) && System.IO.Directory.EnumerateFiles(dataPath, "*", SearchOption.AllDirectories)
            .Any(f => Path.GetFileName(f) != DataFolderInUse.FileName);
        if (holdsData && !replace)
        {
            throw new BackupException($"{dataPath} holds data: give --replace to set it aside (it is kept, not deleted) and restore in its place, or restore into an empty folder with --data.");
        }

        // Every service stopped: none holds its data folder, none is connected to its database. Connections this process
        // itself keeps idle in its pools are closed first: they would still point at the files set aside.
        SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        var claims = new List<IDisposable>();
        try
        {
            foreach (var kind in Order)
            {
                claims.Add(DataFolderInUse.ClaimAlone(Path.Combine(dataPath, kind.DataFolderName()))
                    ?? throw new BackupException($"the {kind} service is running on {dataPath}: stop every service of the system, then restore."));
                if (liaison.Storage == StorageKind.Postgres && await PostgresTools.OtherSessionsAsync(ConnectionStringOf(configuration, kind), cancellationToken) is > 0 and var sessions)
                {
                    throw new BackupException($"{sessions} sessions are connected to the database of ConnectionStrings:{kind}: stop every service of the system, then restore.");
                }
            }

            string? aside = null;
            if (holdsData)
            {
                aside = $"{dataPath}.replaced-{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}";
                System.IO.Directory.Move(dataPath, aside);
                if (liaison.Storage == StorageKind.Postgres)
                {
                    // What the databases held, beside the folder that is kept.
                    foreach (var kind in Order)
                    {
                        var folder = Path.Combine(aside, kind.DataFolderName());
                        CreatePrivateFolder(folder);
                        await PostgresTools.DumpAsync(ConnectionStringOf(configuration, kind), $"ConnectionStrings:{kind}", Path.Combine(folder, $"{kind.DataFolderName()}.pgdump"), cancellationToken);
                    }
                }
            }

            CreatePrivateFolder(dataPath);
            foreach (var file in manifest.Files.Where(f => f.Path != ConfiguredBodyKeys))
            {
                var destination = Path.Combine(dataPath, file.Path);
                CreatePrivateFolder(Path.GetDirectoryName(destination)!);
                if (file.Path.EndsWith(".pgdump", StringComparison.Ordinal))
                {
                    var kind = Order.Single(k => file.Path == $"{k.DataFolderName()}/{k.DataFolderName()}.pgdump");
                    await PostgresTools.RestoreAsync(ConnectionStringOf(configuration, kind), $"ConnectionStrings:{kind}", Path.Combine(source, file.Path), cancellationToken);
                }
                else
                {
                    CopyPrivate(Path.Combine(source, file.Path), destination);
                }
            }

            var report = await PrepareAsync(configuration, liaison, dataPath, manifest, aside, cancellationToken);
            output.WriteLine($"Restored backup {manifest.Id} (taken {manifest.TakenAt:O}) into {dataPath}: the audit log holds {report.AuditEntries} entries, "
                + $"the relay {report.RelayMessages} messages; {report.CursorSequencesMoved} inbox cursor sequences moved on past anything issued since.");
            output.WriteLine("What happened after the backup was taken is not in it; the audit log records the restore at its next start.");
            if (aside is not null)
            {
                output.WriteLine($"The data it replaced is kept in {aside}.");
            }

            if (report.MissingBodyKeys.Count > 0)
            {
                output.WriteLine($"Warning: messages are sealed with body keys the relay is not given ({string.Join(", ", report.MissingBodyKeys)}): set Relay:BodyKeys for them "
                    + $"(the backup's {ConfiguredBodyKeys} holds the keys configured when it was taken), or those messages cannot be opened.");
            }

            return report;
        }
        finally
        {
            foreach (var claim in claims)
            {
                claim.Dispose();
            }
        }
    }

    /// <summary>The restored data made ready to start on: the relay's cursors moved on, the audit log told to record the restore.</summary>
    private static async Task<RestoreReport> PrepareAsync(IConfiguration configuration, LiaisonOptions liaison, string dataPath, BackupManifest manifest, string? aside,
        CancellationToken cancellationToken)
    {
        var relay = StorageRegistration.Create(configuration, liaison, ServiceKind.Relay, "relay.db");
        var audit = StorageRegistration.Create(configuration, liaison, ServiceKind.Audit, "audit.db");
        try
        {
            await SchemaMigrations.ApplyAsync(audit, AuditLog.Migrations, cancellationToken);
            var moved = await InboxEntries.OpenGapAfterRestoreAsync(relay, cancellationToken);
            var messages = await CountAsync(relay, "messages", cancellationToken);
            var entries = await CountAsync(audit, "entries", cancellationToken);
            var mark = new RestoreMark(manifest.Id, manifest.TakenAt, DateTimeOffset.UtcNow, entries);
            WritePrivate(Path.Combine(liaison.DataFolderFor(ServiceKind.Audit.DataFolderName()), RestoreMark.FileName), JsonSerializer.Serialize(mark, Json));
            return new RestoreReport(manifest, entries, messages, moved, aside, await MissingBodyKeysAsync(configuration, dataPath, relay, cancellationToken));
        }
        finally
        {
            foreach (var database in new[] { relay, audit })
            {
                if (database is IAsyncDisposable disposable)
                {
                    await disposable.DisposeAsync();
                }
            }
        }
    }

    /// <summary>The ids of body keys that sealed restored messages and that neither the configuration nor the embedded host's secrets hold.</summary>
    private static async Task<IReadOnlyList<string>> MissingBodyKeysAsync(IConfiguration configuration, string dataPath, ServiceDatabase relay, CancellationToken cancellationToken)
    {
        var known = configuration.GetSection("Relay:BodyKeys").GetChildren().Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        if (File.Exists(Path.Combine(dataPath, HostSecretsFile)))
        {
            known.UnionWith(HostSecrets.LoadOrCreate(dataPath).ToConfiguration(dataPath).Keys
                .Where(k => k.StartsWith("Relay:BodyKeys:", StringComparison.Ordinal)).Select(k => k["Relay:BodyKeys:".Length..]));
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await relay.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT subject FROM messages");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // Each sealed value begins with the length of its key id, then the id (Relay/Messages/BodyCipher).
            var value = (byte[])reader[0];
            if (value.Length > 0 && value.Length > value[0])
            {
                used.Add(System.Text.Encoding.UTF8.GetString(value, 1, value[0]));
            }
        }

        return [.. used.Where(id => !known.Contains(id)).Order(StringComparer.Ordinal)];
    }

    private static async Task<long> CountAsync(ServiceDatabase database, string table, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT COUNT(*) FROM {table}");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The manifest, and every file it lists read back whole: a backup that is unfinished or damaged is refused before anything changes.</summary>
    private static async Task<BackupManifest> ReadAndCheckAsync(string source, CancellationToken cancellationToken)
    {
        var path = Path.Combine(source, BackupManifest.FileName);
        if (!File.Exists(path))
        {
            throw new BackupException($"{source} holds no {BackupManifest.FileName}: it is not a backup, or one that did not finish.");
        }

        BackupManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(path, cancellationToken), Json)
                ?? throw new BackupException($"{path} is empty.");
        }
        catch (JsonException ex)
        {
            throw new BackupException($"{path} cannot be read: {ex.Message}");
        }

        if (manifest.Format != BackupManifest.CurrentFormat)
        {
            throw new BackupException($"The backup is of format {manifest.Format}; this release reads format {BackupManifest.CurrentFormat}.");
        }

        foreach (var file in manifest.Files)
        {
            var full = Path.GetFullPath(Path.Combine(source, file.Path));
            if (!Inside(full, source))
            {
                throw new BackupException($"The manifest names {file.Path}, outside the backup.");
            }

            if (!File.Exists(full) || new FileInfo(full).Length != file.Size || await Sha256Async(full, cancellationToken) != file.Sha256)
            {
                throw new BackupException($"The backup is damaged: {file.Path} is missing or not what was written. Nothing was restored.");
            }
        }

        return manifest;
    }

    /// <summary>SQLite's online backup: a consistent copy while the service writes on (WAL), then checked and made a single file.</summary>
    private static string CopySqlite(string source, string destination)
    {
        using var from = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString());
        from.Open();
        using (var busy = from.CreateCommand())
        {
            busy.CommandText = "PRAGMA busy_timeout=30000";
            busy.ExecuteNonQuery();
        }

        using var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        to.Open();
        from.BackupDatabase(to);
        using (var single = to.CreateCommand())
        {
            single.CommandText = "PRAGMA journal_mode=DELETE";
            single.ExecuteNonQuery();
        }

        using var check = to.CreateCommand();
        check.CommandText = "PRAGMA quick_check";
        var verdict = check.ExecuteScalar() as string;
        if (verdict != "ok")
        {
            throw new BackupException($"The copy of {source} does not pass SQLite's check ({verdict}).");
        }

        to.Close();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return Size(new FileInfo(destination).Length);
    }

    /// <summary>Copies a service's folder but its live database and what belongs to a running process (locks, journals, files being written).</summary>
    private static int CopyFolder(string source, string destination, string database)
    {
        var copied = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            if (name == database || name.EndsWith("-wal", StringComparison.Ordinal) || name.EndsWith("-shm", StringComparison.Ordinal)
                || name.EndsWith("-journal", StringComparison.Ordinal) || name.EndsWith(".lock", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                continue;
            }

            var to = Path.Combine(destination, Path.GetRelativePath(source, file));
            CreatePrivateFolder(Path.GetDirectoryName(to)!);
            CopyPrivate(file, to);
            copied++;
        }

        return copied;
    }

    private static async Task<IReadOnlyList<BackupFile>> HashFolderAsync(string folder, CancellationToken cancellationToken)
    {
        var files = new List<BackupFile>();
        foreach (var file in System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            files.Add(new BackupFile(Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/'), new FileInfo(file).Length, await Sha256Async(file, cancellationToken)));
        }

        return files;
    }

    private static async Task<string> Sha256Async(string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static LiaisonOptions OptionsOf(IConfiguration configuration) =>
        configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>() ?? new LiaisonOptions();

    private static string ConnectionStringOf(IConfiguration configuration, ServiceKind kind) =>
        configuration.GetConnectionString(kind.ToString()) is { Length: > 0 } connectionString
            ? connectionString
            : throw new BackupException($"Liaison:Storage is Postgres, but ConnectionStrings:{kind} is not set: give the connection strings the services are given.");

    private static bool Inside(string path, string folder) =>
        path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static void CreatePrivateFolder(string folder)
    {
        System.IO.Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void CopyPrivate(string from, string to)
    {
        File.Copy(from, to, overwrite: false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(to, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static void WritePrivate(string path, string contents) => FolderLock.WriteAtomically(path, contents, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes / (1024.0 * 1024):0.#} MiB",
    };
}
