using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>A typed gRPC client to another LiaisonNet service, authenticated with this service's own token, with a deadline on every unary call.</summary>
    public static IHttpClientBuilder AddServiceGrpcClient<TClient>(this IServiceCollection services, Func<ServiceUrls, string> address, TimeSpan? deadline = null)
        where TClient : class =>
        services.AddGrpcClient<TClient>((sp, o) => o.Address = new Uri(address(sp.GetRequiredService<IOptions<LiaisonOptions>>().Value.Urls)))
            .AddCallCredentials(async (context, metadata, sp) =>
                metadata.Add("Authorization", $"Bearer {await sp.GetRequiredService<ITokenSource>().GetAccessTokenAsync(context.CancellationToken)}"))
            .ConfigureChannel(channel => channel.UnsafeUseInsecureChannelCallCredentials = true)
            .AddInterceptor(() => new DefaultDeadlineInterceptor(deadline ?? TimeSpan.FromSeconds(10)));
}
