using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Host;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.TestKit;

/// <summary>
/// The whole system, started as the embedded host does, on loopback ports the kernel chose, with a fresh data folder;
/// on SQLite, or on a PostgreSQL server of its own when the test run asks for it (<see cref="TestStorage"/>).
/// </summary>
public sealed class RunningSystem : IAsyncDisposable
{
    private EmbeddedHost _host;
    private readonly Dictionary<string, string?> _overrides;

    private readonly Dictionary<string, LoopbackListener> _listeners;

    private RunningSystem(EmbeddedHost host, string dataPath, Dictionary<string, string?> overrides, LogCapture logs, Dictionary<string, LoopbackListener> listeners,
        PostgresServer? postgres)
    {
        _host = host;
        Postgres = postgres;
        DataPath = dataPath;
        _overrides = overrides;
        Logs = logs;
        _listeners = listeners;
    }

    private HostHooks Hooks => new(Logs.AddTo, name => _listeners[name].HandleForThisProcess());

    /// <summary>Everything the services logged at Information or above.</summary>
    public LogCapture Logs { get; }

    public string DataPath { get; }

    /// <summary>
    /// The store the test run puts its systems on: SQLite, or PostgreSQL when <c>LIAISON_TEST_STORAGE=Postgres</c> (the
    /// README's test command runs the end-to-end suite both ways).
    /// </summary>
    public static StorageKind TestStorage =>
        string.Equals(Environment.GetEnvironmentVariable("LIAISON_TEST_STORAGE"), "Postgres", StringComparison.OrdinalIgnoreCase) ? StorageKind.Postgres : StorageKind.Sqlite;

    /// <summary>
    /// The suites send thousands of messages from one sender and open hundreds of connections for one user, as load: the
    /// systems of the test kit allow it. ResourceLimitTests and the benchmark's isolation phase set limits of their own.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> LoadAllowances { get; } = new Dictionary<string, string?>
    {
        ["Relay:SendBurst"] = "1000000",
        ["Relay:SendsPerSecond"] = "1000000",
        ["Gateway:MaxHubConnectionsPerUser"] = "100000",
    };

    /// <summary>The PostgreSQL server this system's services keep their data on, when the run is on PostgreSQL.</summary>
    public PostgresServer? Postgres { get; }

    /// <summary>One service's database as the service itself opens it, for a test that reaches behind the service's back.</summary>
    public ServiceDatabase DatabaseOf(ServiceKind kind) => Postgres is { } server
        ? new PostgresDatabase(server.ConnectionString(kind), $"ConnectionStrings:{kind}")
        : new SqliteDatabase(Path.Combine(DataPath, kind.DataFolderName(), $"{kind.DataFolderName()}.db"));

    public ServiceUrls Urls => _host.Urls;

    public LiaisonEndpoints Endpoints => new(new Uri(Urls.Directory), new Uri(Urls.Relay), new Uri(Urls.Audit), new Uri(Urls.IdentityAdmin));

    /// <summary>
    /// Starts a system; with <paramref name="tls"/>, every service on https:// with that authority's certificate, and
    /// every call between services checked against it.
    /// </summary>
    public static async Task<RunningSystem> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TestAuthority? tls = null)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "liaisonnet-tests", Guid.NewGuid().ToString("n"));
        var listeners = new[] { "Gateway", "Identity", "Directory", "Relay", "Audit", "IdentityAdmin" }.ToDictionary(name => name, _ => new LoopbackListener());
        var overrides = new Dictionary<string, string?>
        {
            ["Liaison:DataPath"] = dataPath,
            ["Logging:LogLevel:Default"] = "Error",
            ["Logging:LogLevel:LiaisonNet"] = "Warning",
        };
        foreach (var (key, value) in LoadAllowances)
        {
            overrides[key] = value;
        }

        foreach (var (name, listener) in listeners)
        {
            overrides[$"Liaison:Urls:{name}"] = tls is null ? listener.Url : listener.SecureUrl;
        }

        foreach (var (key, value) in tls?.Settings() ?? [])
        {
            overrides[key] = value;
        }

        PostgresServer? postgres = null;
        var logs = new LogCapture();
        try
        {
            if (TestStorage == StorageKind.Postgres && settings?.ContainsKey("Liaison:Storage") != true)
            {
                postgres = await PostgresServer.StartAsync();
                foreach (var (key, value) in postgres.Settings)
                {
                    overrides[key] = value;
                }
            }

            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                overrides[key] = value;
            }

            var host = await EmbeddedHost.StartAsync([], overrides, new HostHooks(logs.AddTo, name => listeners[name].HandleForThisProcess()));
            return new RunningSystem(host, dataPath, overrides, logs, listeners, postgres);
        }
        catch
        {
            foreach (var listener in listeners.Values)
            {
                listener.Dispose();
            }

            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// Stops every service and starts them again on the same ports and data, with <paramref name="settings"/> changed;
    /// <paramref name="whileStopped"/> runs in between, with every service stopped (a restore).
    /// </summary>
    public async Task RestartAsync(IReadOnlyDictionary<string, string?>? settings = null, Func<Task>? whileStopped = null)
    {
        await _host.DisposeAsync();
        if (whileStopped is not null)
        {
            await whileStopped();
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _overrides[key] = value;
        }

        // The listening sockets stay with this system: the services start again on the same ports at once.
        _host = await EmbeddedHost.StartAsync([], _overrides, Hooks);
    }

    /// <summary>A gRPC client acting as a demo user, signed in through the real sign-in page (authorization code with PKCE).</summary>
    public async Task<LiaisonClient> ClientForUserAsync(string userName) =>
        new(Endpoints, new StaticTokenSource(await AccessTokenForUserAsync(userName)), handler: Urls.Relay.StartsWith("https:", StringComparison.Ordinal) ? TestTrust.GrpcHandler() : null);

    /// <summary>An access token of a demo user, signed in through the real sign-in page; a failed sign-in says what the services logged as errors.</summary>
    public async Task<string> AccessTokenForUserAsync(string userName)
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-5);
        try
        {
            return await new OidcSignIn(Urls).AccessTokenForAsync(userName, HostSecrets.DemoPassword);
        }
        catch (InvalidOperationException ex)
        {
            var errors = Logs.Since(started).Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error).Select(e => $"{e.Category}: {e.Message} {e.Exception}");
            throw new InvalidOperationException($"{ex.Message}{Environment.NewLine}Errors the services logged meanwhile:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}", ex);
        }
    }

    /// <summary>A browser-like session with the gateway: cookies, signed in through the identity server.</summary>
    public async Task<GatewaySession> GatewaySessionAsync(string userName)
    {
        var session = new GatewaySession(new Uri(Urls.Gateway));
        await session.SignInAsync(userName, HostSecrets.DemoPassword);
        return session;
    }

    /// <summary>Every routed endpoint of one running service, with the metadata declared where it was mapped.</summary>
    public IReadOnlyList<Microsoft.AspNetCore.Http.Endpoint> RoutesOf(ServiceKind kind) => _host.RoutesOf(kind);

    /// <summary>A service object of one running application.</summary>
    public T ServiceOf<T>(ServiceKind kind)
        where T : notnull => _host.ServiceOf<T>(kind);

    /// <summary>The addresses a service really listens on, as its server reports them.</summary>
    public IReadOnlyList<string> ListeningOn(ServiceKind kind) => _host.ListeningOn(kind);

    /// <summary>Stops one service (an outage), leaving the others running.</summary>
    public Task StopServiceAsync(ServiceKind kind) => _host.StopServiceAsync(kind);

    public Task StartServiceAsync(ServiceKind kind) => _host.StartServiceAsync(kind);

    /// <summary>The settings the services were given, secrets included: what a service run as its own process needs.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _host.Settings;

    /// <summary>
    /// One service of this system, excluded from the host ("Host:Exclude"), as a process of its own that serves on this
    /// system's socket for it.
    /// </summary>
    public ServiceProcess ProcessOf(ServiceKind kind) => new(kind, Settings, _listeners[kind.ToString()]);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        foreach (var listener in _listeners.Values)
        {
            listener.Dispose();
        }

        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing connection; the temp folder is cleaned by the OS.
        }
    }
}
