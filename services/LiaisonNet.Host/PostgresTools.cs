using System.Diagnostics;
using Npgsql;

namespace LiaisonNet.Host;

/// <summary>
/// PostgreSQL's own client programs (pg_dump, psql) run against one service's database, the connection given to them
/// through the PG* environment variables (never on the command line, where other users of the machine could read the
/// password).
/// </summary>
public static class PostgresTools
{
    /// <summary>Dumps the database in pg_dump's custom format: one consistent snapshot, taken while the services write on.</summary>
    public static Task DumpAsync(string connectionString, string setting, string file, CancellationToken cancellationToken) =>
        RunAsync("pg_dump", connectionString, setting, ["--format=custom", "--no-owner", "--no-privileges", $"--file={file}"], cancellationToken);

    /// <summary>
    /// Replaces the database's tables with those of a dump, in one transaction: on any error nothing has changed. The
    /// tables there before are dropped in that transaction first, so that none made after the backup survives it.
    /// </summary>
    public static async Task RestoreAsync(string connectionString, string setting, string dump, CancellationToken cancellationToken)
    {
        var script = dump + ".sql";
        try
        {
            await RunAsync("pg_restore", null, setting, ["--no-owner", "--no-privileges", $"--file={script}", dump], cancellationToken);
            var statements = await File.ReadAllTextAsync(script, cancellationToken);
            const string dropEverything = """
                DO $$ DECLARE t record; BEGIN
                  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
                    EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', t.tablename);
                  END LOOP;
                  FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
                    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', t.sequencename);
                  END LOOP;
                END $$;

                """;
            await File.WriteAllTextAsync(script, dropEverything + statements, cancellationToken);
            await RunAsync("psql", connectionString, setting, ["--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", $"--file={script}"], cancellationToken);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>How many other sessions are connected to the database: a restore refuses a database in use.</summary>
    public static async Task<long> OtherSessionsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task RunAsync(string program, string? connectionString, string setting, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Find(program)) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (connectionString is not null)
        {
            NpgsqlConnectionStringBuilder connection;
            try
            {
                connection = new NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (ArgumentException ex)
            {
                throw new BackupException($"{setting} is not a valid PostgreSQL connection string: {ex.Message}");
            }

            start.Environment["PGHOST"] = connection.Host;
            start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["PGDATABASE"] = connection.Database;
            start.Environment["PGUSER"] = connection.Username;
            start.Environment["PGPASSWORD"] = connection.Password;
            start.Environment["PGSSLMODE"] = connection.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            };
        }

        using var process = Process.Start(start) ?? throw new BackupException($"{program} could not be started.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new BackupException($"{program} failed on the database of {setting} (exit code {process.ExitCode}): {(await error).Trim()} {(await output).Trim()}".Trim());
        }
    }

    /// <summary>The program of the newest PostgreSQL installed under /usr/lib/postgresql (Debian's layout), else the one on PATH.</summary>
    private static string Find(string program)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);
        var installed = System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(v => int.TryParse(Path.GetFileName(v), out var major) ? major : 0)
                .Select(v => Path.Combine(v, "bin", program)).FirstOrDefault(File.Exists)
            : null;
        return installed ?? onPath
            ?? throw new BackupException($"{program} was not found: install PostgreSQL's client programs (on Debian: apt-get install postgresql-client) or put them on PATH.");
    }
}
