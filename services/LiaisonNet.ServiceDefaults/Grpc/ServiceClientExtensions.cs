using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Resilience;
using LiaisonNet.ServiceDefaults.Security;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LiaisonNet.ServiceDefaults.Grpc;

public static class ServiceClientExtensions
{
    /// <summary>
    /// The service's own identity towards other services: client credentials from "{section}:ServiceClient",
    /// checked at start-up, exchanged for tokens that are cached until shortly before they expire.
    /// </summary>
    public static IServiceCollection AddServiceTokenSource(this IServiceCollection services, string section, params string[] scopes)
    {
        services.AddOptions<ServiceClientOptions>()
            .BindConfiguration($"{section}:ServiceClient")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ClientId), $"{section}:ServiceClient:ClientId is required.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ClientSecret), $"{section}:ServiceClient:ClientSecret is required.")
            .ValidateOnStart();
        services.AddHttpClient("liaison-tokens", http => http.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<ServiceTls>().Configure(new HttpClientHandler()))
            .AddStandardResilienceHandler();
        services.AddSingleton<ITokenSource>(sp =>
        {
            var client = sp.GetRequiredService<IOptions<ServiceClientOptions>>().Value;
            var urls = sp.GetRequiredService<IOptions<LiaisonOptions>>().Value.Urls;
            return new ClientCredentialsTokenSource(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient("liaison-tokens"),
                new Uri(urls.Issuer, "connect/token"), client.ClientId, client.ClientSecret, scopes);
        });
        return services;
    }

    /// <summary>
    /// A typed gRPC client to another LiaisonNet service at the address <paramref name="address"/> picks from the
    /// settings: one URL, or several instances separated by commas, used in the order given (the first preferred, the
    /// next when it stops answering).
    /// </summary>
    public static IHttpClientBuilder AddLiaisonGrpcClient<TClient>(this IServiceCollection services, Func<ServiceUrls, string> address)
        where TClient : class
    {
        services.TryAddSingleton<ResolverFactory>(sp => ServiceAddresses.Resolver(name =>
            ServiceAddresses.Parse(sp.GetRequiredService<IOptions<LiaisonOptions>>().Value.Urls.Named(name))));
        IReadOnlyList<Uri> Instances(IServiceProvider sp) => ServiceAddresses.Parse(address(sp.GetRequiredService<IOptions<LiaisonOptions>>().Value.Urls));
        string NameOf(IServiceProvider sp) => sp.GetRequiredService<IOptions<LiaisonOptions>>().Value.Urls.NameOf(address);
        return services.AddGrpcClient<TClient>((sp, o) => o.Address = Instances(sp) is [var single] ? single : ServiceAddresses.Target(NameOf(sp)))
            .ConfigureChannel((sp, channel) =>
            {
                if (Instances(sp) is { Count: > 1 } all)
                {
                    ServiceAddresses.ConfigureBalancing(channel, all, inOrder: true, sp.GetRequiredService<ResolverFactory>());
                }
            })
            // The peer's certificate is checked against the deployment's authority (Liaison:Tls), and under mutual TLS this
            // service's own certificate is presented.
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<ServiceTls>().Configure(new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                // A peer that vanished without closing its connections is noticed within seconds.
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            }));
    }

    /// <summary>
    /// A typed gRPC client to another LiaisonNet service, authenticated with this service's own token, with a deadline on
    /// every unary call, retries of transport failures and a circuit breaker (<see cref="Resilience.ServiceCallResilience"/>).
    /// </summary>
    public static IHttpClientBuilder AddServiceGrpcClient<TClient>(this IServiceCollection services, Func<ServiceUrls, string> address, TimeSpan? deadline = null)
        where TClient : class =>
        services.AddLiaisonGrpcClient<TClient>(address)
            .AddCallCredentials(async (context, metadata, sp) =>
                metadata.Add("Authorization", $"Bearer {await sp.GetRequiredService<ITokenSource>().GetAccessTokenAsync(context.CancellationToken)}"))
            .ConfigureChannel(channel => channel.UnsafeUseInsecureChannelCallCredentials = true)
            .AddInterceptor(() => new DefaultDeadlineInterceptor(deadline ?? TimeSpan.FromSeconds(10)))
            .AddServiceCallResilience(new ServiceUrls().NameOf(address));
}
