using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LiaisonNet.ServiceDefaults.ScaleOut;

public static class RedisConnection
{
    /// <summary>
    /// The settings of <c>Liaison:Redis</c>, made to degrade instead of fail: a Redis that is down at start-up or later
    /// never stops the service (it reconnects in the background), and a command while it is away fails at once instead of
    /// queueing.
    /// </summary>
    public static bool TryParse(string value, out ConfigurationOptions options, out string problem)
    {
        try
        {
            // A Unix socket path first (StackExchange.Redis reads a path as a host name), then the usual options after it.
            var parts = value.Split(',', 2, StringSplitOptions.TrimEntries);
            var socket = parts[0].StartsWith('/') ? parts[0] : null;
            options = socket is null ? ConfigurationOptions.Parse(value) : parts.Length > 1 ? ConfigurationOptions.Parse(parts[1]) : new ConfigurationOptions();
            if (socket is not null)
            {
                options.EndPoints.Add(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
            }

            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 2_000;
            options.SyncTimeout = 1_000;
            options.AsyncTimeout = 1_000;
            options.ConnectRetry = 1;
            options.ReconnectRetryPolicy = new LinearRetry(1_000);
            options.BacklogPolicy = BacklogPolicy.FailFast;
            problem = string.Empty;
            if (options.EndPoints.Count == 0)
            {
                problem = "it names no server (host:port or a socket path).";
                return false;
            }

            return true;
        }
        catch (ArgumentException ex)
        {
            options = new ConfigurationOptions();
            problem = ex.Message;
            return false;
        }
    }

    /// <summary>
    /// The Redis wiring when <c>Liaison:Redis</c> is set (one connection per application, signals through pub/sub);
    /// in-process signals otherwise. Returns whether Redis is used.
    /// </summary>
    public static bool AddInstanceSignals(this IServiceCollection services, LiaisonOptions liaison, ServiceKind kind)
    {
        if (string.IsNullOrWhiteSpace(liaison.Redis) || !TryParse(liaison.Redis, out var options, out _))
        {
            services.AddSingleton<IInstanceSignals, InProcessSignals>();
            return false;
        }

        options.ClientName = $"liaisonnet-{kind.DataFolderName()}-{Environment.ProcessId}";
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("LiaisonNet.Redis");
            var multiplexer = ConnectionMultiplexer.Connect(options);
            if (!multiplexer.IsConnected)
            {
                logger.LogWarning("Redis ({Endpoints}) cannot be reached yet: instances work on without live signals and reconnect in the background",
                    string.Join(", ", options.EndPoints));
            }

            return multiplexer;
        });
        services.AddSingleton(sp => new RedisSignals(sp.GetRequiredService<IConnectionMultiplexer>(), kind.DataFolderName(), sp.GetRequiredService<ILogger<RedisSignals>>()));
        services.AddSingleton<IInstanceSignals>(sp => sp.GetRequiredService<RedisSignals>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisSignals>());
        return true;
    }
}
