using LiaisonNet.Audit.Extensions;
using LiaisonNet.Audit.Log;
using LiaisonNet.Directory.Extensions;
using LiaisonNet.Directory.Storage;
using LiaisonNet.Gateway.Extensions;
using LiaisonNet.Identity.Accounts;
using LiaisonNet.Identity.Extensions;
using LiaisonNet.Relay.Extensions;
using LiaisonNet.Relay.Storage;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LiaisonNet.Host;

/// <summary>What a test adds to every service of the host: log providers, and listening sockets it already holds (by name: a service kind or IdentityAdmin).</summary>
public sealed record HostHooks(Action<ILoggingBuilder>? Logging = null, Func<string, ulong>? ListenHandle = null);

/// <summary>
/// The embedded default: the five LiaisonNet applications, each built exactly as its own Program.cs builds it,
/// started side by side in one process: on SQLite under one data folder by default, or each on its PostgreSQL database.
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
    private readonly HostHooks? _hooks;

    private EmbeddedHost(Dictionary<ServiceKind, WebApplication> apps, Dictionary<string, string?> settings, string[] args, string dataPath, ServiceUrls urls,
        HostHooks? hooks)
    {
        _apps = apps;
        _settings = settings;
        _args = args;
        _hooks = hooks;
        DataPath = dataPath;
        Urls = urls;
    }

    public string DataPath { get; }

    public ServiceUrls Urls { get; }

    /// <summary>
    /// Starts every service. <paramref name="overrides"/> lets tests choose ports and settings; "Host:Exclude" (service
    /// names, comma-separated) leaves services out, to be run as processes of their own; <paramref name="hooks"/> let
    /// tests add log providers and hand over listening sockets.
    /// </summary>
    public static async Task<EmbeddedHost> StartAsync(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, HostHooks? hooks = null,
        CancellationToken cancellationToken = default)
    {
        var dataPath = Path.GetFullPath(DataPathFrom(args) ?? overrides?.GetValueOrDefault("Liaison:DataPath") ?? "data");
        var settings = SettingsFor(dataPath, overrides);

        var excluded = (settings.GetValueOrDefault("Host:Exclude") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => Enum.Parse<ServiceKind>(name, ignoreCase: true)).ToHashSet();
        var apps = new Dictionary<ServiceKind, WebApplication>();
        try
        {
            // Each starts on its own port; a failure stops those already started.
            foreach (var (kind, _, _) in Builds.Where(b => !excluded.Contains(b.Kind)))
            {
                apps[kind] = await BuildAndStartAsync(kind, settings, args, hooks, cancellationToken);
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

        // As each service reads them: the settings, then the command line over them.
        var urls = new ConfigurationBuilder().AddInMemoryCollection(settings).AddCommandLine(StripHostArgs(args)).Build()
            .GetSection(LiaisonOptions.Section).Get<LiaisonOptions>()?.Urls ?? new ServiceUrls();
        return new EmbeddedHost(apps, settings, args, dataPath, urls, hooks);
    }

    /// <summary>
    /// The settings the embedded host gives every service for the data folder <paramref name="dataPath"/> (its generated
    /// secrets included, created there at the first call), with <paramref name="overrides"/> over them: what a service
    /// run as a process of its own needs to join the same system.
    /// </summary>
    public static Dictionary<string, string?> SettingsFor(string dataPath, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = HostSecrets.LoadOrCreate(dataPath).ToConfiguration(dataPath);
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Logging:LogLevel:LiaisonNet"] = "Information";
        settings["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Prints <see cref="SettingsFor"/> as environment variables (<c>Liaison__DataPath=...</c>), one per line, for services started by a script.</summary>
    public static void PrintSettings(string[] args, TextWriter output)
    {
        var dataPath = Path.GetFullPath(DataPathFrom(args) ?? "data");
        foreach (var (key, value) in SettingsFor(dataPath).Where(s => s.Value is not null).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{key.Replace(":", "__", StringComparison.Ordinal)}={value}");
        }
    }

    /// <summary>The settings every service of this host was given (with the generated secrets), for a service run as a process of its own.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    /// <summary>The addresses a running service really listens on, as its server reports them.</summary>
    public IReadOnlyList<string> ListeningOn(ServiceKind kind) =>
        _apps.TryGetValue(kind, out var app) ? [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []] : [];

    /// <summary>Every routed endpoint (gRPC methods, HTTP routes, hubs) of one running service, with its metadata.</summary>
    public IReadOnlyList<Endpoint> RoutesOf(ServiceKind kind) => [.. _apps[kind].Services.GetRequiredService<EndpointDataSource>().Endpoints];

    /// <summary>A service object of one running application, for a test that looks at its state.</summary>
    public T ServiceOf<T>(ServiceKind kind)
        where T : notnull => _apps[kind].Services.GetRequiredService<T>();

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
            _apps[kind] = await BuildAndStartAsync(kind, _settings, _args, _hooks, CancellationToken.None);
        }
    }

    private static async Task<WebApplication> BuildAndStartAsync(ServiceKind kind, Dictionary<string, string?> settings, string[] args, HostHooks? hooks,
        CancellationToken cancellationToken)
    {
        var (_, add, map) = Builds.Single(b => b.Kind == kind);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = StripHostArgs(args), ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        hooks?.Logging?.Invoke(builder.Logging);
        if (hooks?.ListenHandle is { } handOver)
        {
            // A fresh handle at every start: the server closes the one it was given when it stops.
            var listeners = kind == ServiceKind.Identity ? [kind.ToString(), "IdentityAdmin"] : new[] { kind.ToString() };
            builder.Configuration.AddInMemoryCollection(listeners.Select(name =>
                KeyValuePair.Create($"{LiaisonOptions.Section}:ListenHandles:{name}", (string?)handOver(name).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
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
        string On(ServiceKind kind) => string.Join(", ", ListeningOn(kind));
        var page = ListeningOn(ServiceKind.Gateway) is [var first, ..] ? first : Urls.Gateway;
        // Where the data is, as the services themselves chose it from Liaison:Storage.
        var databases = _apps.Values.Select(a => a.Services.GetService<ServiceDatabase>()).OfType<ServiceDatabase>().ToList();
        var data = databases is [{ Kind: StorageKind.Postgres }, ..]
            ? $"PostgreSQL, a database per service ({string.Join(", ", databases.Select(d => d.Source))})"
            : $"SQLite under {DataPath}";
        output.WriteLine($"""

            LiaisonNet is running (every service in one process, {data}).

              Open  {page.TrimEnd('/')}/  and sign in as one of (password: {HostSecrets.DemoPassword}):
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

              Listening: gateway {On(ServiceKind.Gateway)}; identity {On(ServiceKind.Identity)} (sign-in, tokens, account administration);
                         directory {On(ServiceKind.Directory)}; relay {On(ServiceKind.Relay)}; audit {On(ServiceKind.Audit)}
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

    /// <summary>
    /// The <c>migrate</c> command: brings every service's database (SQLite files under the data folder, or the PostgreSQL
    /// databases the settings name) to this release's schema, says what it applied, and starts nothing.
    /// </summary>
    public static async Task MigrateAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        var dataPath = Path.GetFullPath(DataPathFrom(args) ?? "data");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{LiaisonOptions.Section}:DataPath"] = dataPath })
            .AddEnvironmentVariables()
            .AddCommandLine(StripHostArgs(args))
            .Build();
        var liaison = configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>() ?? new LiaisonOptions();
        foreach (var (kind, migrations) in new[]
        {
            (ServiceKind.Audit, AuditLog.Migrations), (ServiceKind.Directory, DirectoryStore.Migrations), (ServiceKind.Relay, RelaySchema.Migrations),
            (ServiceKind.Gateway, LiaisonNet.Gateway.Auth.ServerSideTickets.Migrations),
        })
        {
            var database = StorageRegistration.Create(configuration, liaison, kind, $"{kind.DataFolderName()}.db");
            try
            {
                Report(output, kind, database, (await SchemaMigrations.ApplyAsync(database, migrations, cancellationToken)).Select(v => $"version {v}").ToList());
            }
            finally
            {
                if (database is IAsyncDisposable disposable)
                {
                    await disposable.DisposeAsync();
                }
            }
        }

        var identity = StorageRegistration.Create(configuration, liaison, ServiceKind.Identity, "identity.db");
        await using IdentityDb context = identity is PostgresDatabase postgres
            ? new PostgresIdentityDb(new DbContextOptionsBuilder<PostgresIdentityDb>().UseNpgsql(postgres.DataSource).Options)
            : new SqliteIdentityDb(new DbContextOptionsBuilder<SqliteIdentityDb>().UseSqlite($"Data Source={((SqliteDatabase)identity).Path}").AddInterceptors(new SqliteDurability()).Options);
        Report(output, ServiceKind.Identity, identity, await IdentitySchema.MigrateAsync(context, identity, cancellationToken));
        if (identity is IAsyncDisposable identityDisposable)
        {
            await identityDisposable.DisposeAsync();
        }
    }

    private static void Report(TextWriter output, ServiceKind kind, ServiceDatabase database, IReadOnlyList<string> applied) =>
        output.WriteLine(applied.Count == 0
            ? $"{kind} ({database.Source}): up to date"
            : $"{kind} ({database.Source}): applied {string.Join(", ", applied)}");

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
