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
    private readonly List<WebApplication> _apps;

    private EmbeddedHost(List<WebApplication> apps, string dataPath, ServiceUrls urls)
    {
        _apps = apps;
        DataPath = dataPath;
        Urls = urls;
    }

    public string DataPath { get; }

    public ServiceUrls Urls { get; }

    /// <summary>Starts every service. <paramref name="overrides"/> lets tests choose ports and settings.</summary>
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

        // Identity first: the others fetch its keys. Each starts on its own port; a failure stops those already started.
        var builds = new (Action<WebApplicationBuilder> Add, Action<WebApplication> Map)[]
        {
            (b => b.AddIdentityService(), a => a.MapIdentityService()),
            (b => b.AddAuditService(), a => a.MapAuditService()),
            (b => b.AddDirectoryService(), a => a.MapDirectoryService()),
            (b => b.AddRelayService(), a => a.MapRelayService()),
            (b => b.AddGatewayService(), a => a.MapGatewayService()),
        };

        var apps = new List<WebApplication>();
        try
        {
            foreach (var (add, map) in builds)
            {
                var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = StripHostArgs(args), ContentRootPath = AppContext.BaseDirectory });
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
                add(builder);
                var app = builder.Build();
                map(app);
                apps.Add(app);
                await app.StartAsync(cancellationToken);
            }
        }
        catch
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }

            throw;
        }

        var urls = apps[0].Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LiaisonOptions>>().Value.Urls;
        return new EmbeddedHost(apps, dataPath, urls);
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
    public Task WaitForShutdownAsync() => Task.WhenAny(_apps.Select(a => a.WaitForShutdownAsync()));

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
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
