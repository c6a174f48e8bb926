using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace LiaisonNet.ServiceDefaults.Security;

/// <summary>
/// One service's TLS, from <see cref="TlsOptions"/>: the certificate it serves (read again when its files change, so a
/// renewed certificate is used without a restart), the roots it trusts for the other services, the client certificate it
/// presents under mutual TLS, and the handlers of its outgoing calls set up to check them.
/// </summary>
public sealed class ServiceTls
{
    private readonly TlsOptions _options;
    private readonly X509Certificate2Collection? _authorities;
    private readonly object _gate = new();
    private X509Certificate2? _certificate;
    private X509Certificate2Collection _chain = [];
    private DateTime _loadedStamp;
    private DateTime _nextCheck;

    public ServiceTls(TlsOptions options)
    {
        _options = options;
        if (options.AuthorityPath is { Length: > 0 } authorities)
        {
            _authorities = [];
            _authorities.ImportFromPemFile(authorities);
        }
    }

    public TlsOptions Options => _options;

    public bool HasCertificate => !string.IsNullOrWhiteSpace(_options.CertificatePath);

    /// <summary>The certificate this service serves and presents, as its files now are.</summary>
    public X509Certificate2 Certificate
    {
        get
        {
            lock (_gate)
            {
                var now = DateTime.UtcNow;
                if (_certificate is null || now >= _nextCheck)
                {
                    _nextCheck = now + _options.ReloadCheckInterval;
                    var stamp = Stamp();
                    if (_certificate is null || stamp != _loadedStamp)
                    {
                        (_certificate, _chain) = Load();
                        _loadedStamp = stamp;
                    }
                }

                return _certificate;
            }
        }
    }

    /// <summary>
    /// True when <paramref name="certificate"/> is acceptable from a peer: with no authority configured, the system's
    /// verdict; with one, a chain to one of its certificates (and, for a server, its name matching the address).
    /// </summary>
    public bool Accepts(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (_authorities is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        return ChainsTo(certificate, _authorities);
    }

    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="authorities"/>, and to nothing else the system trusts.</summary>
    public static bool ChainsTo(X509Certificate certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var peer = new X509Certificate2(certificate);
        return chain.Build(peer);
    }

    /// <summary>Outgoing calls over a <see cref="SocketsHttpHandler"/> (gRPC between services) check the peer and, under mutual TLS, present this service's certificate.</summary>
    public SocketsHttpHandler Configure(SocketsHttpHandler handler)
    {
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Accepts(certificate, errors);
        if (_options.MutualTls)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => Certificate;
        }

        return handler;
    }

    /// <summary>Outgoing calls over an <see cref="HttpClientHandler"/> (tokens, keys, metadata from the identity server).</summary>
    public HttpClientHandler Configure(HttpClientHandler handler)
    {
        handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => Accepts(certificate, errors);
        if (_options.MutualTls)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(Certificate);
        }

        return handler;
    }

    /// <summary>
    /// What Kestrel serves TLS with on this service's listener: the current certificate and its chain; under mutual TLS a
    /// client certificate is asked for (people's clients may send none) and, if sent, must chain to the authority.
    /// </summary>
    public HttpsConnectionAdapterOptions ServerOptions(bool askForClientCertificate) => new()
    {
        ServerCertificateSelector = (_, _) => Certificate,
        ServerCertificateChain = ChainNow(),
        ClientCertificateMode = askForClientCertificate && _options.MutualTls ? ClientCertificateMode.AllowCertificate : ClientCertificateMode.NoCertificate,
        ClientCertificateValidation = (certificate, _, errors) => Accepts(certificate, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch),
        CheckCertificateRevocation = false,
        SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
    };

    /// <summary>A plain-HTTP listener behind the balancer accepts connections from <see cref="TlsOptions.TrustedProxies"/> alone.</summary>
    public Func<ConnectionDelegate, ConnectionDelegate> OnlyFromTrustedProxies()
    {
        var networks = _options.ProxyNetworks();
        return next => connection =>
        {
            var from = (connection.RemoteEndPoint as IPEndPoint)?.Address;
            if (from is null || !(IPAddress.IsLoopback(from) || networks.Any(n => n.Contains(from.IsIPv4MappedToIPv6 ? from.MapToIPv4() : from))))
            {
                connection.Abort(new ConnectionAbortedException("Plain HTTP is served to the trusted balancers alone."));
                return Task.CompletedTask;
            }

            return next(connection);
        };
    }

    private X509Certificate2Collection ChainNow()
    {
        _ = Certificate;
        lock (_gate)
        {
            return _chain;
        }
    }

    private DateTime Stamp() =>
        new[] { _options.CertificatePath, _options.KeyPath }.Where(p => p is { Length: > 0 } && File.Exists(p)).Select(p => File.GetLastWriteTimeUtc(p!)).DefaultIfEmpty().Max();

    private (X509Certificate2 Certificate, X509Certificate2Collection Chain) Load()
    {
        var path = _options.CertificatePath ?? throw new InvalidOperationException($"{TlsOptions.Section}:CertificatePath names no certificate.");
        if (Path.GetExtension(path) is ".pfx" or ".p12")
        {
            var bundle = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, _options.CertificatePassword, X509KeyStorageFlags.Exportable);
            var leaf = bundle.First(c => c.HasPrivateKey);
            return (leaf, [.. bundle.Where(c => !ReferenceEquals(c, leaf))]);
        }

        var certificate = _options.CertificatePassword is { Length: > 0 } password
            ? X509Certificate2.CreateFromEncryptedPemFile(path, password, _options.KeyPath)
            : X509Certificate2.CreateFromPemFile(path, _options.KeyPath);
        // An ephemeral key cannot be used by every TLS stack: the certificate is exported and loaded again with its key.
        var usable = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(path);
        return (usable, [.. all.Skip(1)]);
    }
}

public static class ServiceTlsExtensions
{
    /// <summary>
    /// The service's <see cref="TlsOptions"/>, validated at start-up (no plain HTTP off loopback unless allowed), and its
    /// <see cref="ServiceTls"/>, which the listener and every outgoing call of the service use.
    /// </summary>
    public static ServiceTls AddServiceTls(this Microsoft.AspNetCore.Builder.WebApplicationBuilder builder, Hosting.ServiceKind kind)
    {
        builder.Services.AddOptions<TlsOptions>().BindConfiguration(TlsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<TlsOptions>>(sp =>
            new TlsOptionsValidator(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hosting.LiaisonOptions>>(), kind));
        var options = builder.Configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions();
        // A missing authority file is reported by the validator, naming the setting; the service starts no further.
        var tls = options.AuthorityPath is { Length: > 0 } authority && !File.Exists(authority) ? new ServiceTls(new TlsOptions()) : new ServiceTls(options);
        builder.Services.AddSingleton(tls);
        return tls;
    }

    /// <summary>Cookies of an https:// address are sent over TLS only; the embedded default on loopback HTTP could not sign in otherwise.</summary>
    public static Microsoft.AspNetCore.Http.CookieSecurePolicy CookiePolicyFor(Uri publicAddress) =>
        publicAddress.Scheme == Uri.UriSchemeHttps ? Microsoft.AspNetCore.Http.CookieSecurePolicy.Always : Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;

    /// <summary>The <see cref="ServiceTls"/> that <see cref="AddServiceTls"/> registered (service defaults come first).</summary>
    public static ServiceTls Tls(this Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
        builder.Services.LastOrDefault(d => d.ServiceType == typeof(ServiceTls))?.ImplementationInstance as ServiceTls
        ?? throw new InvalidOperationException("AddServiceDefaults registers the service's TLS first.");

    /// <summary>What a listener on <paramref name="url"/> adds: TLS for https://, the trusted-proxies filter for plain HTTP off loopback behind a balancer.</summary>
    public static Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions>? ListenerFor(this ServiceTls tls, Uri url, bool askForClientCertificate)
    {
        if (url.Scheme == Uri.UriSchemeHttps)
        {
            return tls.HasCertificate ? listen => listen.UseHttps(tls.ServerOptions(askForClientCertificate)) : null;
        }

        return !TlsOptions.IsLoopback(url) && tls.Options.TrustedProxies.Length > 0 && !tls.Options.AllowPlainHttp
            ? listen => listen.Use(tls.OnlyFromTrustedProxies())
            : null;
    }
}

public static class ForwardedHeadersExtensions
{
    /// <summary>
    /// Behind a balancer that ends TLS (<see cref="TlsOptions.TrustedProxies"/>): the client's address and scheme are read
    /// from X-Forwarded-For and X-Forwarded-Proto when, and only when, the connection comes from one of those balancers.
    /// First in the pipeline, so that HSTS, secure cookies and redirects see the scheme the browser used.
    /// </summary>
    public static Microsoft.AspNetCore.Builder.WebApplication UseTrustedForwardedHeaders(this Microsoft.AspNetCore.Builder.WebApplication app)
    {
        var tls = app.Services.GetRequiredService<ServiceTls>();
        if (tls.Options.TrustedProxies.Length == 0)
        {
            return app;
        }

        var options = new Microsoft.AspNetCore.Builder.ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var network in tls.Options.ProxyNetworks())
        {
            options.KnownIPNetworks.Add(network);
        }

        Microsoft.AspNetCore.Builder.ForwardedHeadersExtensions.UseForwardedHeaders(app, options);
        return app;
    }
}
