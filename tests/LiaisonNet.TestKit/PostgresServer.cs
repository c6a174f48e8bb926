using System.Diagnostics;
using LiaisonNet.ServiceDefaults.Hosting;

namespace LiaisonNet.TestKit;

/// <summary>
/// A real PostgreSQL server for one test class, started by <c>infra/local/postgres.sh</c> (the script the README gives)
/// in a folder of its own and listening only on a Unix socket there: no port to pick, none to lose to another process.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _folder;
    private readonly Dictionary<string, string> _connectionStrings = new(StringComparer.Ordinal);

    private PostgresServer(string folder) => _folder = folder;

    /// <summary>The connection string of one service's database.</summary>
    public string ConnectionString(ServiceKind kind) => _connectionStrings[kind.ToString()];

    /// <summary>The settings that put every service on this server.</summary>
    public IReadOnlyDictionary<string, string?> Settings =>
        _connectionStrings.Select(c => KeyValuePair.Create($"ConnectionStrings:{c.Key}", (string?)c.Value))
            .Append(KeyValuePair.Create("Liaison:Storage", (string?)"Postgres"))
            .ToDictionary();

    public static async Task<PostgresServer> StartAsync()
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("liaison-pg-").FullName;
        var server = new PostgresServer(folder);
        var output = await server.RunScriptAsync();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            const string Prefix = "ConnectionStrings__";
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith(Prefix, StringComparison.Ordinal) && equals > 0)
            {
                server._connectionStrings[line[Prefix.Length..equals]] = line[(equals + 1)..];
            }
        }

        return server._connectionStrings.Count == 5 ? server : throw new InvalidOperationException($"infra/local/postgres.sh printed no connection strings: {output}");
    }

    /// <summary>Stops the server as a crash would (<c>pg_ctl stop -m immediate</c>): no checkpoint, recovery from the WAL at the next start.</summary>
    public Task CrashAsync() => PgCtlAsync("stop", "-m", "immediate");

    /// <summary>Starts the server again on the same folder and data.</summary>
    public Task RestartAsync() => RunScriptAsync();

    private async Task<string> RunScriptAsync()
    {
        var script = Path.Combine(ServiceProcess.RepositoryRoot(), "infra", "local", "postgres.sh");
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--dir");
        start.ArgumentList.Add(_folder);
        return await RunAsync(start);
    }

    private async Task PgCtlAsync(params string[] arguments)
    {
        var bin = System.IO.Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Last(b => File.Exists(Path.Combine(b, "pg_ctl")));
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : Path.Combine(bin, "pg_ctl")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (asRoot)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", Path.Combine(bin, "pg_ctl") })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in new[] { "-D", Path.Combine(_folder, "data") }.Concat(arguments).Append("-w"))
        {
            start.ArgumentList.Add(argument);
        }

        await RunAsync(start);
    }

    internal static async Task<string> RunAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not run {start.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(deadline.Token);
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {await error}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgCtlAsync("stop", "-m", "fast");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        System.IO.Directory.Delete(_folder, recursive: true);
    }
}
