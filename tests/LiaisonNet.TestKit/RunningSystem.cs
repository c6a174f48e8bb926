using System.Net;
using System.Net.Sockets;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Host;
using LiaisonNet.ServiceDefaults.Hosting;

namespace LiaisonNet.TestKit;

/// <summary>The whole system, started as the embedded host does, on free loopback ports with a fresh data folder.</summary>
public sealed class RunningSystem : IAsyncDisposable
{
    private EmbeddedHost _host;
    private readonly Dictionary<string, string?> _overrides;

    private RunningSystem(EmbeddedHost host, string dataPath, Dictionary<string, string?> overrides, LogCapture logs)
    {
        _host = host;
        DataPath = dataPath;
        _overrides = overrides;
        Logs = logs;
    }

    /// <summary>Everything the services logged at Information or above.</summary>
    public LogCapture Logs { get; }

    public string DataPath { get; }

    public ServiceUrls Urls => _host.Urls;

    public LiaisonEndpoints Endpoints => new(new Uri(Urls.Directory), new Uri(Urls.Relay), new Uri(Urls.Audit), new Uri(Urls.IdentityAdmin));

    public static async Task<RunningSystem> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "liaisonnet-tests", Guid.NewGuid().ToString("n"));
        var overrides = new Dictionary<string, string?>
        {
            ["Liaison:DataPath"] = dataPath,
            ["Liaison:Urls:Gateway"] = $"http://localhost:{FreePort()}",
            ["Liaison:Urls:Identity"] = $"http://localhost:{FreePort()}",
            ["Liaison:Urls:Directory"] = $"http://localhost:{FreePort()}",
            ["Liaison:Urls:Relay"] = $"http://localhost:{FreePort()}",
            ["Liaison:Urls:Audit"] = $"http://localhost:{FreePort()}",
            ["Liaison:Urls:IdentityAdmin"] = $"http://localhost:{FreePort()}",
            ["Logging:LogLevel:Default"] = "Error",
            ["Logging:LogLevel:LiaisonNet"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var logs = new LogCapture();
        var host = await EmbeddedHost.StartAsync([], overrides, logging: logs.AddTo);
        return new RunningSystem(host, dataPath, overrides, logs);
    }

    /// <summary>Stops every service and starts them again on the same ports and data, with <paramref name="settings"/> changed.</summary>
    public async Task RestartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        await _host.DisposeAsync();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _overrides[key] = value;
        }

        // A port can be held for a moment by a connection still closing; try again briefly.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _host = await EmbeddedHost.StartAsync([], _overrides, logging: Logs.AddTo);
                return;
            }
            catch (IOException) when (attempt < 10)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <summary>A gRPC client acting as a demo user, signed in through the real sign-in page (authorization code with PKCE).</summary>
    public async Task<LiaisonClient> ClientForUserAsync(string userName)
    {
        var token = await new OidcSignIn(Urls).AccessTokenForAsync(userName, HostSecrets.DemoPassword);
        return new LiaisonClient(Endpoints, new StaticTokenSource(token));
    }

    public async Task<string> AccessTokenForUserAsync(string userName) =>
        await new OidcSignIn(Urls).AccessTokenForAsync(userName, HostSecrets.DemoPassword);

    /// <summary>A browser-like session with the gateway: cookies, signed in through the identity server.</summary>
    public async Task<GatewaySession> GatewaySessionAsync(string userName)
    {
        var session = new GatewaySession(new Uri(Urls.Gateway));
        await session.SignInAsync(userName, HostSecrets.DemoPassword);
        return session;
    }

    /// <summary>Every routed endpoint of one running service, with the metadata declared where it was mapped.</summary>
    public IReadOnlyList<Microsoft.AspNetCore.Http.Endpoint> RoutesOf(ServiceKind kind) => _host.RoutesOf(kind);

    /// <summary>Stops one service (an outage), leaving the others running.</summary>
    public Task StopServiceAsync(ServiceKind kind) => _host.StopServiceAsync(kind);

    public Task StartServiceAsync(ServiceKind kind) => _host.StartServiceAsync(kind);

    /// <summary>The settings the services were given, secrets included: what a service run as its own process needs.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _host.Settings;

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing connection; the temp folder is cleaned by the OS.
        }
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port free now and never handed to another system of this test run, so that a restart finds its ports again.</summary>
    private static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
