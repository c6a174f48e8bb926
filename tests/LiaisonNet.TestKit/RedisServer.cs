using System.Diagnostics;

namespace LiaisonNet.TestKit;

/// <summary>
/// A real Redis server for one test system, started by <c>infra/local/redis.sh</c> (the script the README gives) in a
/// folder of its own, listening only on a Unix socket there. A test can stop it (an outage) and start it again on the
/// same socket.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _folder;

    private RedisServer(string folder, string connectionString)
    {
        _folder = folder;
        ConnectionString = connectionString;
    }

    /// <summary>The value of <c>Liaison:Redis</c> that reaches this server.</summary>
    public string ConnectionString { get; }

    public static async Task<RedisServer> StartAsync()
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("liaison-redis-").FullName;
        const string Prefix = "Liaison__Redis=";
        var line = (await RunScriptAsync(folder)).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException("infra/local/redis.sh printed no Liaison__Redis setting.");
        return new RedisServer(folder, line[Prefix.Length..]);
    }

    /// <summary>Stops the server: every connection to it drops, and nothing it held survives.</summary>
    public Task StopAsync() => RunScriptAsync(_folder, "--stop");

    /// <summary>Starts it again on the same socket.</summary>
    public Task RestartAsync() => RunScriptAsync(_folder);

    private static Task<string> RunScriptAsync(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(ServiceProcess.RepositoryRoot(), "infra", "local", "redis.sh"));
        start.ArgumentList.Add("--dir");
        start.ArgumentList.Add(folder);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return PostgresServer.RunAsync(start);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        System.IO.Directory.Delete(_folder, recursive: true);
    }
}
