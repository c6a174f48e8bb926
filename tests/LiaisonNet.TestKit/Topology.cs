using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Host;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.TestKit;

/// <summary>One instance of a service in a <see cref="Topology"/>: its own process on its own socket.</summary>
public sealed class Instance(ServiceKind kind, int number, LoopbackListener listener, ServiceProcess process) : IAsyncDisposable
{
    public ServiceKind Kind => kind;

    /// <summary>1 or 2.</summary>
    public int Number => number;

    /// <summary>Its address (kept after it was killed and its socket closed).</summary>
    public string Url { get; } = listener.Url;

    public ServiceProcess Process => process;

    public bool Killed { get; private set; }

    /// <summary>
    /// SIGKILL, and its port closed with it (a client connecting now is refused, as by a machine whose service died),
    /// so that clients and the load balancer turn to the other instance.
    /// </summary>
    public async Task KillAsync()
    {
        await process.KillAsync();
        listener.Dispose();
        Killed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        listener.Dispose();
    }
}

/// <summary>
/// The scaled-out system on one machine, as <c>infra/local/topology.sh</c> starts it: PostgreSQL and Redis (real
/// servers, plain processes), one identity server, two instances each of the directory, relay, audit service and
/// gateway (each its own process, on loopback sockets bound on port 0 and handed over), and HAProxy in front of them.
/// Instance N of a service calls instance N of the others first and the other instance when that stops answering.
/// </summary>
public sealed class Topology : IAsyncDisposable
{
    private readonly List<Instance> _all = [];
    private readonly Dictionary<string, LoopbackListener> _fronts;
    private readonly LoopbackListener _identityAdmin;

    private Topology(string dataPath, PostgresServer postgres, RedisServer redis, Dictionary<string, LoopbackListener> fronts, LoopbackListener identityAdmin,
        IReadOnlyDictionary<string, string?> settings)
    {
        DataPath = dataPath;
        Postgres = postgres;
        Redis = redis;
        _fronts = fronts;
        _identityAdmin = identityAdmin;
        Settings = settings;
    }

    public string DataPath { get; }

    public PostgresServer Postgres { get; }

    public RedisServer Redis { get; }

    public LoadBalancer? Balancer { get; private set; }

    /// <summary>The settings every process was given before its own addresses.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public Instance Identity { get; private set; } = null!;

    public IReadOnlyList<Instance> Directories { get; private set; } = [];

    public IReadOnlyList<Instance> Relays { get; private set; } = [];

    public IReadOnlyList<Instance> Audits { get; private set; } = [];

    public IReadOnlyList<Instance> Gateways { get; private set; } = [];

    /// <summary>The public addresses: the load balancer's for the gateway, directory, relay and audit service.</summary>
    public ServiceUrls Urls => new()
    {
        Gateway = _fronts["gateway"].Url, Identity = Identity.Url, IdentityAdmin = _identityAdmin.Url,
        Directory = _fronts["directory"].Url, Relay = _fronts["relay"].Url, Audit = _fronts["audit"].Url,
    };

    /// <summary>The services through the load balancer.</summary>
    public LiaisonEndpoints Endpoints => new(new Uri(Urls.Directory), new Uri(Urls.Relay), new Uri(Urls.Audit), new Uri(Urls.IdentityAdmin));

    /// <summary>Every instance directly, calls balanced by the SDK (client-side), failing over when one dies.</summary>
    public LiaisonEndpoints BalancedEndpoints => LiaisonEndpoints.Balanced(
        [.. Directories.Select(i => new Uri(i.Url))], [.. Relays.Select(i => new Uri(i.Url))], [.. Audits.Select(i => new Uri(i.Url))], new Uri(Urls.IdentityAdmin));

    public static async Task<Topology> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "liaisonnet-tests", Guid.NewGuid().ToString("n"));
        var postgres = await PostgresServer.StartAsync();
        RedisServer? redis = null;
        Topology? topology = null;
        try
        {
            redis = await RedisServer.StartAsync();
            var overrides = new Dictionary<string, string?>
            {
                ["Liaison:DataPath"] = dataPath,
                ["Liaison:Redis"] = redis.ConnectionString,
                ["Logging:LogLevel:Default"] = "Error",
                ["Logging:LogLevel:LiaisonNet"] = "Warning",
            };
            foreach (var (key, value) in RunningSystem.LoadAllowances.Concat(postgres.Settings).Concat(settings ?? new Dictionary<string, string?>()))
            {
                overrides[key] = value;
            }

            var fronts = new[] { "gateway", "directory", "relay", "audit" }.ToDictionary(name => name, _ => new LoopbackListener());
            topology = new Topology(dataPath, postgres, redis, fronts, new LoopbackListener(), EmbeddedHost.SettingsFor(dataPath, overrides));
            await topology.StartProcessesAsync();
            return topology;
        }
        catch
        {
            if (topology is not null)
            {
                await topology.DisposeAsync();
            }
            else
            {
                if (redis is not null)
                {
                    await redis.DisposeAsync();
                }

                await postgres.DisposeAsync();
            }

            throw;
        }
    }

    private async Task StartProcessesAsync()
    {
        var listeners = new Dictionary<(ServiceKind, int), LoopbackListener>();
        foreach (var kind in new[] { ServiceKind.Directory, ServiceKind.Relay, ServiceKind.Audit, ServiceKind.Gateway })
        {
            listeners[(kind, 1)] = new LoopbackListener();
            listeners[(kind, 2)] = new LoopbackListener();
        }

        var identityListener = new LoopbackListener();
        string Both(ServiceKind kind, int first) => $"{listeners[(kind, first)].Url},{listeners[(kind, 3 - first)].Url}";
        Dictionary<string, string?> SettingsOf(int number) => new(Settings)
        {
            ["Liaison:Urls:Gateway"] = _fronts["gateway"].Url,
            ["Liaison:Urls:Identity"] = identityListener.Url,
            ["Liaison:Urls:IdentityAdmin"] = _identityAdmin.Url,
            ["Liaison:Urls:Directory"] = Both(ServiceKind.Directory, number),
            ["Liaison:Urls:Relay"] = Both(ServiceKind.Relay, number),
            ["Liaison:Urls:Audit"] = Both(ServiceKind.Audit, number),
        };

        Instance Make(ServiceKind kind, int number, LoopbackListener listener, IReadOnlyDictionary<string, LoopbackListener>? more = null)
        {
            var instance = new Instance(kind, number, listener, new ServiceProcess(kind, SettingsOf(number), listener, more));
            _all.Add(instance);
            return instance;
        }

        // The identity server first (the others fetch its keys and tokens), then each tier's two instances together.
        Identity = Make(ServiceKind.Identity, 1, identityListener, new Dictionary<string, LoopbackListener> { ["IdentityAdmin"] = _identityAdmin });
        await Identity.Process.StartAsync();
        Audits = await StartPairAsync(ServiceKind.Audit);
        Directories = await StartPairAsync(ServiceKind.Directory);
        Relays = await StartPairAsync(ServiceKind.Relay);
        Gateways = await StartPairAsync(ServiceKind.Gateway);

        async Task<IReadOnlyList<Instance>> StartPairAsync(ServiceKind kind)
        {
            var pair = new[] { Make(kind, 1, listeners[(kind, 1)]), Make(kind, 2, listeners[(kind, 2)]) };
            await Task.WhenAll(pair.Select(i => i.Process.StartAsync()));
            return pair;
        }

        int Port(Instance instance) => new Uri(instance.Url).Port;
        Balancer = await LoadBalancer.StartAsync(
        [
            new BalancedService("gateway", _fronts["gateway"], [.. Gateways.Select(Port)]),
            new BalancedService("directory", _fronts["directory"], [.. Directories.Select(Port)]),
            new BalancedService("relay", _fronts["relay"], [.. Relays.Select(Port)]),
            new BalancedService("audit", _fronts["audit"], [.. Audits.Select(Port)]),
        ]);
    }

    /// <summary>One service's database, as the service opens it.</summary>
    public PostgresDatabase DatabaseOf(ServiceKind kind) => new(Postgres.ConnectionString(kind), $"ConnectionStrings:{kind}");

    /// <summary>An access token of a demo user, signed in through the real sign-in page.</summary>
    public Task<string> AccessTokenForUserAsync(string userName) => new OidcSignIn(Urls).AccessTokenForAsync(userName, HostSecrets.DemoPassword);

    /// <summary>A gRPC client acting as a demo user: through the load balancer, or balancing over the instances itself.</summary>
    public async Task<LiaisonClient> ClientForUserAsync(string userName, bool clientSideBalancing = false) =>
        new(clientSideBalancing ? BalancedEndpoints : Endpoints, new StaticTokenSource(await AccessTokenForUserAsync(userName)));

    /// <summary>A gRPC client of instance <paramref name="number"/> (1 or 2) of each service only, with the given token.</summary>
    public LiaisonClient ClientOnInstance(int number, string token) => new(
        new LiaisonEndpoints(new Uri(Directories[number - 1].Url), new Uri(Relays[number - 1].Url), new Uri(Audits[number - 1].Url)), new StaticTokenSource(token));

    /// <summary>A browser-like session, signed in through the load balancer; its cookie is accepted by every gateway instance.</summary>
    public async Task<GatewaySession> GatewaySessionAsync(string userName)
    {
        var session = new GatewaySession(new Uri(Urls.Gateway));
        await session.SignInAsync(userName, HostSecrets.DemoPassword);
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        if (Balancer is not null)
        {
            await Balancer.DisposeAsync();
        }

        foreach (var instance in Enumerable.Reverse(_all))
        {
            await instance.DisposeAsync();
        }

        foreach (var front in _fronts.Values)
        {
            front.Dispose();
        }

        _identityAdmin.Dispose();
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finishing process; the temp folder is cleaned by the OS.
        }
    }
}
