using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;

namespace LiaisonNet.Client;

/// <summary>
/// Several instances of one service behind one channel. The channel resolves a <c>static:///name</c> target to the
/// addresses given and spreads calls over them (round robin) or uses them in order (pick first, for a preferred
/// instance with the others as fallbacks); either way an instance that stops answering is left out until it answers
/// again, so callers fail over without being told.
/// </summary>
public static class ServiceAddresses
{
    /// <summary>One address, or several separated by commas.</summary>
    public static IReadOnlyList<Uri> Parse(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(address => new Uri(address, UriKind.Absolute))];

    /// <summary>Whether <paramref name="value"/> is one or more absolute http(s) addresses.</summary>
    public static bool TryParse(string? value, out IReadOnlyList<Uri> addresses)
    {
        addresses = [];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var parsed = new List<Uri>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                return false;
            }

            parsed.Add(uri);
        }

        addresses = parsed;
        return parsed.Count > 0;
    }

    /// <summary>The channel target naming a list of instances.</summary>
    public static Uri Target(string name) => new($"static:///{name}");

    /// <summary>A resolver for <c>static:///name</c> targets from a table of names and their instances.</summary>
    public static ResolverFactory Resolver(Func<string, IReadOnlyList<Uri>> instancesOf) =>
        new StaticResolverFactory(target => instancesOf(target.AbsolutePath.Trim('/')).Select(uri => new BalancerAddress(uri.Host, uri.Port)));

    /// <summary>Sets a channel's options for a list of instances: resolver, balancing policy, and TLS when the addresses are https.</summary>
    public static void ConfigureBalancing(GrpcChannelOptions options, IReadOnlyList<Uri> addresses, bool inOrder, ResolverFactory resolver, CallCredentials? callCredentials = null)
    {
        var secure = addresses[0].Scheme == Uri.UriSchemeHttps;
        var transport = secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        options.Credentials = callCredentials is null ? transport : ChannelCredentials.Create(transport, callCredentials);
        options.UnsafeUseInsecureChannelCallCredentials = !secure;
        options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { inOrder ? new PickFirstConfig() : new RoundRobinConfig() } };
        options.ServiceProvider = new ResolverProvider(resolver);
    }

    private sealed class ResolverProvider(ResolverFactory resolver) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(ResolverFactory) ? resolver
            : serviceType == typeof(IEnumerable<ResolverFactory>) ? new[] { resolver }
            : null;
    }
}
