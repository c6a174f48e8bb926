using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LiaisonNet.TestKit;

/// <summary>
/// A certificate authority made for one test, and a certificate it issued for 127.0.0.1 and localhost (server and
/// client use, as each LiaisonNet service presents one under mutual TLS), written as PEM files a deployment would be
/// given. While it lives, the test kit's own HTTP clients trust it (<see cref="TestTrust"/>); nothing else does.
/// </summary>
public sealed class TestAuthority : IDisposable
{
    public TestAuthority()
    {
        Folder = Path.Combine(Path.GetTempPath(), "liaisonnet-tests", "tls-" + Guid.NewGuid().ToString("n"));
        System.IO.Directory.CreateDirectory(Folder);
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=LiaisonNet test authority", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Authority = authorityRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=liaisonnet-test-service", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        using var issued = request.Create(Authority, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(AuthorityPath, Authority.ExportCertificatePem());
        File.WriteAllText(CertificatePath, issued.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        TestTrust.Add(Authority);
    }

    public string Folder { get; }

    public X509Certificate2 Authority { get; }

    public string AuthorityPath => Path.Combine(Folder, "authority.pem");

    public string CertificatePath => Path.Combine(Folder, "service.pem");

    public string KeyPath => Path.Combine(Folder, "service.key");

    /// <summary>The settings that give every service of a system this authority's certificate, and the authority as the only root it trusts.</summary>
    public Dictionary<string, string?> Settings(bool mutualTls = false) => new()
    {
        ["Liaison:Tls:CertificatePath"] = CertificatePath,
        ["Liaison:Tls:KeyPath"] = KeyPath,
        ["Liaison:Tls:AuthorityPath"] = AuthorityPath,
        ["Liaison:Tls:MutualTls"] = mutualTls ? "true" : "false",
    };

    /// <summary>The issued certificate with its key, as a service's client would present it.</summary>
    public X509Certificate2 ClientCertificate() =>
        X509CertificateLoader.LoadPkcs12(X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath).Export(X509ContentType.Pkcs12), null);

    public void Dispose()
    {
        TestTrust.Remove(Authority);
        Authority.Dispose();
        try
        {
            System.IO.Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}

/// <summary>
/// What the test kit's HTTP clients trust: the system's roots, and the authorities of the <see cref="TestAuthority"/>
/// instances alive now. A server's name must still match its address.
/// </summary>
public static class TestTrust
{
    private static readonly ConcurrentDictionary<string, X509Certificate2> Authorities = new(StringComparer.Ordinal);

    internal static void Add(X509Certificate2 authority) => Authorities[authority.Thumbprint] = authority;

    internal static void Remove(X509Certificate2 authority) => Authorities.TryRemove(authority.Thumbprint, out _);

    public static bool Accepts(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors || Authorities.IsEmpty)
        {
            return false;
        }

        return LiaisonNet.ServiceDefaults.Security.ServiceTls.ChainsTo(certificate, [.. Authorities.Values]);
    }

    /// <summary>An <see cref="HttpClientHandler"/> that trusts the live test authorities.</summary>
    public static HttpClientHandler Handler(CookieContainer? cookies = null, bool followRedirects = true)
    {
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = followRedirects,
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => Accepts(certificate, errors),
        };
        if (cookies is not null)
        {
            handler.CookieContainer = cookies;
        }

        return handler;
    }

    /// <summary>A <see cref="SocketsHttpHandler"/> (gRPC) that trusts the live test authorities.</summary>
    public static SocketsHttpHandler GrpcHandler() => new()
    {
        EnableMultipleHttp2Connections = true,
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) => Accepts(certificate, errors) },
    };
}
