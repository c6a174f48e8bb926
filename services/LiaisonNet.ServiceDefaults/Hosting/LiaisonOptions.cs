using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace LiaisonNet.ServiceDefaults.Hosting;

/// <summary>Where the services live and where they keep their data (section "Liaison").</summary>
public sealed class LiaisonOptions
{
    public const string Section = "Liaison";

    /// <summary>Root folder of every service's data; each service keeps a subfolder of its own.</summary>
    public string DataPath { get; set; } = "data";

    public ServiceUrls Urls { get; set; } = new();

    /// <summary>
    /// Where this instance listens, when that is not its service's URL: an instance behind a load balancer, whose
    /// service URL is the balancer's (for example the gateway's public address). Unset, it listens on its service URL.
    /// </summary>
    public string? Listen { get; set; }

    /// <summary>
    /// A second, HTTP/1.1 address that answers only <c>/health/live</c> and <c>/health/ready</c>: for an orchestrator's
    /// probes of a service that otherwise speaks cleartext HTTP/2 only (gRPC), which they cannot.
    /// </summary>
    public string? HealthListen { get; set; }

    /// <summary>Where the services keep their data: a SQLite file each (the default) or a PostgreSQL database each.</summary>
    public StorageKind Storage { get; set; } = StorageKind.Sqlite;

    /// <summary>
    /// A Redis connection string (StackExchange.Redis syntax: <c>host:port,password=...</c>, or a Unix socket path):
    /// when set, instances of every service tell each other of changes through it, and the gateways share their SignalR
    /// connections and search limits through it. Unset, everything stays in this process (the embedded default).
    /// </summary>
    public string? Redis { get; set; }

    public string DataFolderFor(string service)
    {
        var folder = Path.GetFullPath(Path.Combine(DataPath, service));
        Directory.CreateDirectory(folder);
        return folder;
    }
}

/// <summary>The base address of each service (section "Liaison:Urls").</summary>
public sealed class ServiceUrls
{
    public string Gateway { get; set; } = "http://localhost:5080";
    public string Identity { get; set; } = "http://localhost:5081";
    public string Directory { get; set; } = "http://localhost:5082";
    public string Relay { get; set; } = "http://localhost:5083";
    public string Audit { get; set; } = "http://localhost:5084";

    /// <summary>The identity server's gRPC account administration (HTTP/2), beside its browser-facing pages.</summary>
    public string IdentityAdmin { get; set; } = "http://localhost:5085";

    /// <summary>The token issuer: the identity server's base address with a trailing slash.</summary>
    public Uri Issuer => new(Identity.TrimEnd('/') + "/");

    private static readonly string[] Names = ["gateway", "identity", "directory", "relay", "audit", "identity-admin"];

    /// <summary>The setting of a service by its resolver name (the <c>static:///name</c> of a channel over several instances).</summary>
    public string Named(string name) => name switch
    {
        "gateway" => Gateway,
        "identity" => Identity,
        "directory" => Directory,
        "relay" => Relay,
        "audit" => Audit,
        "identity-admin" => IdentityAdmin,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such service."),
    };

    /// <summary>The resolver name of the setting <paramref name="address"/> reads (it must read one of this object's properties).</summary>
    public string NameOf(Func<ServiceUrls, string> address)
    {
        var probe = new ServiceUrls
        {
            Gateway = "gateway", Identity = "identity", Directory = "directory", Relay = "relay", Audit = "audit", IdentityAdmin = "identity-admin",
        };
        var name = address(probe);
        return Names.Contains(name, StringComparer.Ordinal) ? name : throw new ArgumentException("The address must be one of the service URLs.", nameof(address));
    }

    /// <summary>The first of the addresses a setting lists (a service listens on its own, the first of its list).</summary>
    public static Uri FirstAddress(string setting) => LiaisonNet.Client.ServiceAddresses.Parse(setting)[0];
}

internal sealed class LiaisonOptionsValidator : IValidateOptions<LiaisonOptions>
{
    public ValidateOptionsResult Validate(string? name, LiaisonOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataPath))
        {
            failures.Add("Liaison:DataPath is required (the folder where the services keep their data).");
        }

        foreach (var (key, value) in new[]
        {
            ("Gateway", options.Urls.Gateway), ("Identity", options.Urls.Identity), ("Directory", options.Urls.Directory),
            ("Relay", options.Urls.Relay), ("Audit", options.Urls.Audit), ("IdentityAdmin", options.Urls.IdentityAdmin),
        })
        {
            var several = key is "Directory" or "Relay" or "Audit";
            if (!LiaisonNet.Client.ServiceAddresses.TryParse(value, out var addresses) || (!several && addresses.Count > 1))
            {
                failures.Add(several
                    ? $"Liaison:Urls:{key} must be one or more absolute http(s) URLs, separated by commas; it is '{value}'."
                    : $"Liaison:Urls:{key} must be an absolute http(s) URL; it is '{value}'.");
            }
        }

        if (options.Listen is { Length: > 0 } listen && (!Uri.TryCreate(listen, UriKind.Absolute, out var at) || (at.Scheme != Uri.UriSchemeHttp && at.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Liaison:Listen must be an absolute http(s) URL; it is '{listen}'.");
        }

        if (options.HealthListen is { Length: > 0 } health && (!Uri.TryCreate(health, UriKind.Absolute, out var probe) || probe.Scheme != Uri.UriSchemeHttp || probe.Port < 0 || probe.IsDefaultPort))
        {
            failures.Add($"Liaison:HealthListen must be an absolute http URL with a port; it is '{health}'.");
        }

        if (options.Redis is { Length: > 0 } redis && !ScaleOut.RedisConnection.TryParse(redis, out _, out var problem))
        {
            failures.Add($"Liaison:Redis is not a valid Redis connection string: {problem}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
