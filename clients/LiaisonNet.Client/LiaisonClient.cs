using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.Client;

/// <summary>Addresses of the LiaisonNet services a client talks to.</summary>
public sealed record LiaisonEndpoints(Uri Directory, Uri Relay, Uri Audit, Uri? Accounts = null)
{
    /// <summary>Further instances of the directory beside <see cref="Directory"/>: calls are spread over all of them and skip one that stops answering.</summary>
    public IReadOnlyList<Uri> MoreDirectories { get; init; } = [];

    /// <summary>Further instances of the relay beside <see cref="Relay"/>.</summary>
    public IReadOnlyList<Uri> MoreRelays { get; init; } = [];

    /// <summary>Further instances of the audit service beside <see cref="Audit"/>.</summary>
    public IReadOnlyList<Uri> MoreAudits { get; init; } = [];

    /// <summary>Every instance of each service, calls balanced across them (for example <c>ServiceAddresses.Parse("http://a:5083,http://b:5083")</c>).</summary>
    public static LiaisonEndpoints Balanced(IReadOnlyList<Uri> directories, IReadOnlyList<Uri> relays, IReadOnlyList<Uri> audits, Uri? accounts = null) =>
        new(directories[0], relays[0], audits[0], accounts) { MoreDirectories = [.. directories.Skip(1)], MoreRelays = [.. relays.Skip(1)], MoreAudits = [.. audits.Skip(1)] };

    public static LiaisonEndpoints Local(string host = "localhost") => new(
        new Uri($"http://{host}:5082"), new Uri($"http://{host}:5083"), new Uri($"http://{host}:5084"), new Uri($"http://{host}:5085"));
}

/// <summary>
/// Typed clients for the directory, relay and audit services, authenticated by a token source.
/// Unary calls get a default deadline; streaming calls run until cancelled.
/// </summary>
public sealed class LiaisonClient : IDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    public LiaisonClient(LiaisonEndpoints endpoints, ITokenSource tokens, TimeSpan? defaultDeadline = null, HttpMessageHandler? handler = null)
    {
        var deadline = defaultDeadline ?? TimeSpan.FromSeconds(15);
        var credentials = CallCredentials.FromInterceptor(async (_, metadata) =>
            metadata.Add("Authorization", $"Bearer {await tokens.GetAccessTokenAsync(CancellationToken.None)}"));

        var instances = new Dictionary<string, IReadOnlyList<Uri>>(StringComparer.Ordinal)
        {
            ["directory"] = [endpoints.Directory, .. endpoints.MoreDirectories],
            ["relay"] = [endpoints.Relay, .. endpoints.MoreRelays],
            ["audit"] = [endpoints.Audit, .. endpoints.MoreAudits],
        };
        var resolver = ServiceAddresses.Resolver(name => instances[name]);

        CallInvoker Invoker(string name, Uri address)
        {
            var options = new GrpcChannelOptions
            {
                Credentials = address.Scheme == Uri.UriSchemeHttps
                    ? ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials)
                    : ChannelCredentials.Create(ChannelCredentials.Insecure, credentials),
                UnsafeUseInsecureChannelCallCredentials = address.Scheme == Uri.UriSchemeHttp,
                HttpHandler = handler,
                DisposeHttpClient = handler is null,
                MaxReceiveMessageSize = 8 * 1024 * 1024,
            };
            var target = address;
            if (instances.TryGetValue(name, out var all) && all.Count > 1)
            {
                ServiceAddresses.ConfigureBalancing(options, all, inOrder: false, resolver, credentials);
                target = ServiceAddresses.Target(name);
            }

            var channel = GrpcChannel.ForAddress(target, options);
            _channels.Add(channel);
            return channel.Intercept(new DefaultDeadlineInterceptor(deadline));
        }

        var directory = Invoker("directory", endpoints.Directory);
        Directory = new DirectoryService.DirectoryServiceClient(directory);
        DirectoryAdmin = new DirectoryAdminService.DirectoryAdminServiceClient(directory);
        Relay = new RelayService.RelayServiceClient(Invoker("relay", endpoints.Relay));
        Audit = new AuditService.AuditServiceClient(Invoker("audit", endpoints.Audit));
        _accounts = endpoints.Accounts is { } accounts ? new AccountAdminService.AccountAdminServiceClient(Invoker("accounts", accounts)) : null;
    }

    private readonly AccountAdminService.AccountAdminServiceClient? _accounts;

    /// <summary>Account administration on the identity server (administrators only).</summary>
    public AccountAdminService.AccountAdminServiceClient Accounts =>
        _accounts ?? throw new InvalidOperationException("No accounts endpoint was given in LiaisonEndpoints.");

    public DirectoryService.DirectoryServiceClient Directory { get; }

    /// <summary>Directory administration (agency and system administrators).</summary>
    public DirectoryAdminService.DirectoryAdminServiceClient DirectoryAdmin { get; }

    public RelayService.RelayServiceClient Relay { get; }

    public AuditService.AuditServiceClient Audit { get; }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
