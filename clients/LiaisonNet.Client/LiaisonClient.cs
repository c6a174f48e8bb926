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

        CallInvoker Invoker(Uri address)
        {
            var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                Credentials = address.Scheme == Uri.UriSchemeHttps
                    ? ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials)
                    : ChannelCredentials.Create(ChannelCredentials.Insecure, credentials),
                UnsafeUseInsecureChannelCallCredentials = address.Scheme == Uri.UriSchemeHttp,
                HttpHandler = handler,
                DisposeHttpClient = handler is null,
                MaxReceiveMessageSize = 8 * 1024 * 1024,
            });
            _channels.Add(channel);
            return channel.Intercept(new DefaultDeadlineInterceptor(deadline));
        }

        var directory = Invoker(endpoints.Directory);
        Directory = new DirectoryService.DirectoryServiceClient(directory);
        DirectoryAdmin = new DirectoryAdminService.DirectoryAdminServiceClient(directory);
        Relay = new RelayService.RelayServiceClient(Invoker(endpoints.Relay));
        Audit = new AuditService.AuditServiceClient(Invoker(endpoints.Audit));
        _accounts = endpoints.Accounts is { } accounts ? new AccountAdminService.AccountAdminServiceClient(Invoker(accounts)) : null;
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
