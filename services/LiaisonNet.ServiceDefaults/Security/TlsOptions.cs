using System.Net;
using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace LiaisonNet.ServiceDefaults.Security;

/// <summary>
/// TLS for a deployment (section "Liaison:Tls"). A service whose URL is <c>https://</c> serves TLS with
/// <see cref="CertificatePath"/>; every call to another service's <c>https://</c> URL checks that service's certificate
/// against <see cref="AuthorityPath"/> (or the system's trusted roots). The embedded default on localhost needs none of it.
/// </summary>
public sealed class TlsOptions
{
    public const string Section = "Liaison:Tls";

    /// <summary>This service's certificate: a PEM file (the certificate, then any intermediates) with <see cref="KeyPath"/>, or a PKCS#12 file (.pfx, .p12).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PKCS#12 file or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// A PEM file of the certificate authorities that issue the services' certificates: the only roots trusted for calls
    /// between services (and for client certificates under <see cref="MutualTls"/>). Unset, the system's roots are trusted.
    /// </summary>
    public string? AuthorityPath { get; set; }

    /// <summary>
    /// Mutual TLS between services: each presents its own certificate on its calls to the others, and a call made with a
    /// service's token is refused unless it came with a client certificate from <see cref="AuthorityPath"/>. People's
    /// clients (the SDK, the <c>liaison</c> tool, the page) still need no certificate.
    /// </summary>
    public bool MutualTls { get; set; }

    /// <summary>
    /// Addresses (IP or CIDR) of the load balancers that terminate TLS in front of the gateway and the identity server:
    /// their X-Forwarded-For and X-Forwarded-Proto are believed, and a plain-HTTP listener off loopback accepts
    /// connections from them alone.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Lets a service use plain HTTP off loopback (a closed test network); refused otherwise.</summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>How often the certificate files are looked at for a renewal (they are read again when they change).</summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The trusted proxies as networks; a single address is a network of one.</summary>
    public IReadOnlyList<IPNetwork> ProxyNetworks() =>
        [.. TrustedProxies.Select(p => TryParseNetwork(p, out var network) ? network : throw new FormatException($"'{p}' is not an IP address or CIDR network."))];

    internal static bool TryParseNetwork(string value, out IPNetwork network)
    {
        if (IPNetwork.TryParse(value, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(value, out var address))
        {
            network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
            return true;
        }

        return false;
    }

    /// <summary>localhost, 127.0.0.0/8 and ::1: reachable from this machine alone.</summary>
    public static bool IsLoopback(Uri url) =>
        string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}

/// <summary>
/// Refuses to start a deployment that would carry messages in clear over a network: every service URL and listening
/// address off loopback must be <c>https://</c>, unless TLS ends at a trusted balancer in front of this listener or
/// plain HTTP is explicitly allowed; an <c>https://</c> listener needs its certificate.
/// </summary>
internal sealed class TlsOptionsValidator(IOptions<LiaisonOptions> liaison, ServiceKind kind) : IValidateOptions<TlsOptions>
{
    public ValidateOptionsResult Validate(string? name, TlsOptions options)
    {
        var failures = new List<string>();
        foreach (var proxy in options.TrustedProxies)
        {
            if (!TlsOptions.TryParseNetwork(proxy, out _))
            {
                failures.Add($"{TlsOptions.Section}:TrustedProxies holds '{proxy}', which is not an IP address or CIDR network.");
            }
        }

        var urls = liaison.Value.Urls;
        var settings = new (string Key, string Value)[]
        {
            ("Urls:Gateway", urls.Gateway), ("Urls:Identity", urls.Identity), ("Urls:Directory", urls.Directory), ("Urls:Relay", urls.Relay),
            ("Urls:Audit", urls.Audit), ("Urls:IdentityAdmin", urls.IdentityAdmin), ("Listen", liaison.Value.Listen ?? string.Empty),
        };
        var listenKey = liaison.Value.Listen is { Length: > 0 } ? "Listen" : $"Urls:{kind}";
        foreach (var (key, value) in settings.Where(s => s.Value.Length > 0))
        {
            if (!LiaisonNet.Client.ServiceAddresses.TryParse(value, out var addresses))
            {
                continue; // LiaisonOptions says what is wrong with it.
            }

            foreach (var url in addresses.Where(u => u.Scheme == Uri.UriSchemeHttp && !TlsOptions.IsLoopback(u)))
            {
                // TLS ends at the balancer: this listener speaks plain HTTP to it alone.
                var behindProxy = key == "Listen" && options.TrustedProxies.Length > 0 && kind is ServiceKind.Gateway or ServiceKind.Identity;
                if (!behindProxy && !options.AllowPlainHttp)
                {
                    failures.Add($"{LiaisonOptions.Section}:{key} is {url}, plain HTTP off loopback: give the services certificates ({TlsOptions.Section}:CertificatePath) and https:// URLs"
                        + $", or name the balancer that ends TLS in front of the gateway and identity server ({TlsOptions.Section}:TrustedProxies), or set {TlsOptions.Section}:AllowPlainHttp=true on a closed network.");
                }
            }
        }

        var listen = liaison.Value.Listen is { Length: > 0 } l && Uri.TryCreate(l, UriKind.Absolute, out var at) ? at
            : LiaisonNet.Client.ServiceAddresses.TryParse(kind.Url(urls), out var own) ? own[0] : null;
        var adminListen = kind == ServiceKind.Identity && Uri.TryCreate(urls.IdentityAdmin, UriKind.Absolute, out var admin) ? admin : null;
        if ((listen?.Scheme == Uri.UriSchemeHttps || adminListen?.Scheme == Uri.UriSchemeHttps) && string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            failures.Add($"{LiaisonOptions.Section}:{listenKey} is https:// but {TlsOptions.Section}:CertificatePath names no certificate to serve it with.");
        }

        foreach (var (key, path) in new[] { ("CertificatePath", options.CertificatePath), ("KeyPath", options.KeyPath), ("AuthorityPath", options.AuthorityPath) })
        {
            if (path is { Length: > 0 } && !File.Exists(path))
            {
                failures.Add($"{TlsOptions.Section}:{key} names '{path}', which does not exist.");
            }
        }

        if (options.CertificatePath is { Length: > 0 } certificatePath && File.Exists(certificatePath) && (options.KeyPath is not { Length: > 0 } keyPath || File.Exists(keyPath)))
        {
            try
            {
                var certificate = new ServiceTls(options).Certificate;
                if (!certificate.HasPrivateKey)
                {
                    failures.Add($"{TlsOptions.Section}:CertificatePath '{certificatePath}' holds no private key (name the PEM key in {TlsOptions.Section}:KeyPath).");
                }
                else if (certificate.NotAfter < DateTime.Now)
                {
                    failures.Add($"{TlsOptions.Section}:CertificatePath '{certificatePath}' expired on {certificate.NotAfter:u}.");
                }
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException or InvalidOperationException)
            {
                failures.Add($"{TlsOptions.Section}:CertificatePath '{certificatePath}' cannot be read with its key: {ex.Message}");
            }
        }

        if (options.MutualTls && (string.IsNullOrWhiteSpace(options.AuthorityPath) || string.IsNullOrWhiteSpace(options.CertificatePath)))
        {
            failures.Add($"{TlsOptions.Section}:MutualTls needs {TlsOptions.Section}:AuthorityPath (who may present a client certificate) and {TlsOptions.Section}:CertificatePath (the certificate this service presents).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
