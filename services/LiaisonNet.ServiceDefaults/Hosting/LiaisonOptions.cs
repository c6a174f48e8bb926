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
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"Liaison:Urls:{key} must be an absolute http(s) URL; it is '{value}'.");
            }
        }

        if (options.Redis is { Length: > 0 } redis && !ScaleOut.RedisConnection.TryParse(redis, out _, out var problem))
        {
            failures.Add($"Liaison:Redis is not a valid Redis connection string: {problem}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
