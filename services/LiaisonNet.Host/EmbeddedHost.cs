using LiaisonNet.Audit.Extensions;
using LiaisonNet.Directory.Extensions;
using LiaisonNet.Gateway.Extensions;
using LiaisonNet.Identity.Extensions;
using LiaisonNet.Relay.Extensions;
using LiaisonNet.ServiceDefaults.Hosting;

namespace LiaisonNet.Host;

/// <summary>
/// The embedded default: the five LiaisonNet applications, each built exactly as its own Program.cs builds it,
/// started side by side in one process on SQLite under one data folder.
/// </summary>
public sealed class EmbeddedHost : IAsyncDisposable
{
    /// <summary>Identity first: the others fetch its keys.</summary>
    private static readonly (ServiceKind Kind, Action<WebApplicationBuilder> Add, Action<WebApplication> Map)[] Builds =
    [
        (ServiceKind.Identity, b => b.AddIdentityService(), a => a.MapIdentityService()),
        (ServiceKind.Audit, b => b.AddAuditService(), a => a.MapAuditService()),
        (ServiceKind.Directory, b => b.AddDirectoryService(), a => a.MapDirectoryService()),
        (ServiceKind.Relay, b => b.AddRelayService(), a => a.MapRelayService()),
        (ServiceKind.Gateway, b => b.AddGatewayService(), a => a.MapGatewayService()),
    ];

    private readonly Dictionary<ServiceKind, WebApplication> _apps;
    private readonly Dictionary<string, string?> _settings;
    private readonly string[] _args;

    private EmbeddedHost(Dictionary<ServiceKind, WebApplication> apps, Dictionary<string, string?> settings, string[] args, string dataPath, ServiceUrls urls)
    {
        _apps = apps;
        _settings = settings;
        _args = args;
        DataPath = dataPath;
        Urls = urls;
    }

    public string DataPath { get; }

    public ServiceUrls Urls { get; }

    /// <summary>
    /// Starts every service. <paramref name="overrides"/> lets tests choose ports and settings; "Host:Exclude" (service
    /// names, comma-separated) leaves services out, to be run as processes of their own.
    /// </summary>
    public static async Task<EmbeddedHost> StartAsync(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default)
    {
        var dataPath = Path.GetFullPath(DataPathFrom(args) ?? overrides?.GetValueOrDefault("Liaison:DataPath") ?? "data");
        var settings = HostSecrets.LoadOrCreate(dataPath).ToConfiguration(dataPath);
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Logging:LogLevel:LiaisonNet"] = "Information";
        settings["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var excluded = (settings.GetValueOrDefault("Host:Exclude") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => Enum.Parse<ServiceKind>(name, ignoreCase: true)).ToHashSet();
        var apps = new Dictionary<ServiceKind, WebApplication>();
        try
        {
            // Each starts on its own port; a failure stops those already started.
            foreach (var (kind, _, _) in Builds.Where(b => !excluded.Contains(b.Kind)))
            {
                apps[kind] = await BuildAndStartAsync(kind, settings, args, cancellationToken);
            }
        }
        catch
        {
            foreach (var app in apps.Values)
            {
                await app.DisposeAsync();
            }

            throw;
        }

        var urls = new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(LiaisonOptions.Section).Get<LiaisonOptions>()?.Urls ?? new ServiceUrls();
        return new EmbeddedHost(apps, settings, args, dataPath, urls);
    }

    /// <summary>The settings every service of this host was given (with the generated secrets), for a service run as a process of its own.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    /// <summary>Every routed endpoint (gRPC methods, HTTP routes, hubs) of one running service, with its metadata.</summary>
    public IReadOnlyList<Endpoint> RoutesOf(ServiceKind kind) => [.. _apps[kind].Services.GetRequiredService<EndpointDataSource>().Endpoints];

    /// <summary>Stops one service (as an outage would), leaving the others running.</summary>
    public async Task StopServiceAsync(ServiceKind kind)
    {
        if (_apps.Remove(kind, out var app))
        {
            await app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            await app.DisposeAsync();
        }
    }

    /// <summary>Starts a stopped service again on the same port and data.</summary>
    public async Task StartServiceAsync(ServiceKind kind)
    {
        if (!_apps.ContainsKey(kind))
        {
            _apps[kind] = await BuildAndStartAsync(kind, _settings, _args, CancellationToken.None);
        }
    }

    private static async Task<WebApplication> BuildAndStartAsync(ServiceKind kind, Dictionary<string, string?> settings, string[] args, CancellationToken cancellationToken)
    {
        var (_, add, map) = Builds.Single(b => b.Kind == kind);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = StripHostArgs(args), ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        add(builder);
        var app = builder.Build();
        map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    public void PrintWelcome(TextWriter output)
    {
        output.WriteLine($"""

            LiaisonNet is running (embedded default: every service in one process, SQLite under {DataPath}).

              Open  {Urls.Gateway}/  and sign in as one of (password: {HostSecrets.DemoPassword}):
                sattarkhanov   officer, Border Service, Kazakhstan
                zhaksylykova   officer, State Revenue Committee (Customs), Kazakhstan
                khodjaev       officer, Customs Committee, Uzbekistan
                asanov         officer and desk operator, Border Service, Kyrgyzstan
                rahimov        officer, Drug Control Agency, Tajikistan
                omarova        auditor, Border Service, Kazakhstan
                karimova       auditor, Customs Committee, Uzbekistan
                abenov         agency administrator, Border Service, Kazakhstan

              Automation (client credentials, embedded default only):
                client id {HostSecrets.DemoAutomationClientId}, secret {HostSecrets.DemoAutomationSecret}, token endpoint {Urls.Issuer}connect/token

              Services: identity {Urls.Identity} (account administration {Urls.IdentityAdmin})  directory {Urls.Directory}  relay {Urls.Relay}  audit {Urls.Audit}
              Press Ctrl-C to stop.
            """);
    }

    /// <summary>Completes when any service is asked to stop (Ctrl-C stops them all).</summary>
    public Task WaitForShutdownAsync() => Task.WhenAny(_apps.Values.Select(a => a.WaitForShutdownAsync()));

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Builds.Reverse().Where(b => _apps.ContainsKey(b.Kind)).Select(b => _apps[b.Kind]).ToList())
        {
            await app.StopAsync(TimeSpan.FromSeconds(10) is var grace ? new CancellationTokenSource(grace).Token : default);
            await app.DisposeAsync();
        }
    }

    private static string? DataPathFrom(string[] args)
    {
        var index = Array.IndexOf(args, "--data");
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string[] StripHostArgs(string[] args)
    {
        var index = Array.IndexOf(args, "--data");
        return index < 0 ? args : [.. args.Take(index), .. args.Skip(index + 2)];
    }
}
