using System.Net;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.ScaleOut;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Resources;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LiaisonNet.ServiceDefaults;

public static class Extensions
{
    /// <summary>
    /// What every LiaisonNet service has: validated options, its own listener, data protection keys in its data folder,
    /// health checks, OpenTelemetry, ProblemDetails and the gRPC error interceptor.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, ServiceKind kind)
    {
        Resilience.ResilienceOptionsWarmUp.Ensure();
        builder.Services.AddSingleton(new Resilience.ChaosSwitch(builder.Configuration.GetSection(Resilience.ChaosOptions.Section).Get<Resilience.ChaosOptions>() ?? new()));
        builder.Services.AddOptions<LiaisonOptions>().BindConfiguration(LiaisonOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LiaisonOptions>, LiaisonOptionsValidator>();

        var options = builder.Configuration.GetSection(LiaisonOptions.Section).Get<LiaisonOptions>() ?? new LiaisonOptions();
        var tls = builder.AddServiceTls(kind);
        var url = options.Listen is { Length: > 0 } listen && Uri.TryCreate(listen, UriKind.Absolute, out var at) ? at : ServiceUrls.FirstAddress(kind.Url(options.Urls));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Cleartext HTTP/2 needs prior knowledge, which browsers never use: browser-facing services speak HTTP/2 only with TLS.
            var protocols = kind.IsGrpcOnly() ? HttpProtocols.Http2 : url.Scheme == Uri.UriSchemeHttps ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
            kestrel.ListenOn(url, protocols, builder.Configuration.ListenHandle(kind.ToString()), tls.ListenerFor(url, askForClientCertificate: kind.IsGrpcOnly()));
            if (options.HealthListen is { Length: > 0 } health && Uri.TryCreate(health, UriKind.Absolute, out var probes))
            {
                kestrel.ListenOn(probes, HttpProtocols.Http1, configure: listen => listen.Use(next => connection =>
                {
                    connection.Items[HealthOnly] = true;
                    return next(connection);
                }));
            }

            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
        });

        // The key ring: in the data folder on SQLite; on PostgreSQL in the service's database, shared by its instances.
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName($"LiaisonNet.{kind}");
        if (options.Storage == Storage.StorageKind.Postgres)
        {
            builder.Services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>(sp =>
                new ConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(keys =>
                    keys.XmlRepository = new Storage.DatabaseKeyRing(sp.GetRequiredService<Storage.ServiceDatabase>())));
            builder.Services.AddHostedService<Storage.KeyRingWarmUp>();
        }
        else
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataFolderFor(kind.DataFolderName()), "keys")));
        }

        builder.Services.AddInstanceSignals(options, kind);
        // A restore refuses a data folder while any instance runs on it.
        builder.Services.AddHostedService(sp => new Storage.DataFolderInUse(sp.GetRequiredService<IOptions<LiaisonOptions>>(), kind));
        if (options.HealthListen is { Length: > 0 })
        {
            builder.Services.AddSingleton<IStartupFilter, HealthPortFilter>();
        }

        // Whatever a request carried is logged escaped, by every provider (Logging/EscapingLoggerFactory).
        builder.Services.Replace(ServiceDescriptor.Singleton<Microsoft.Extensions.Logging.ILoggerFactory>(sp =>
            new Logging.EscapingLoggerFactory(ActivatorUtilities.CreateInstance<Microsoft.Extensions.Logging.LoggerFactory>(sp))));
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        builder.Services.AddSingleton<ErrorInterceptor>();
        builder.Services.AddSingleton<AccessInterceptor>();
        builder.Services.AddSingleton<InputInterceptor>();

        // Traces and metrics are collected only when there is somewhere to send them: with no exporter they would cost
        // every request an activity per listening provider (five in the embedded host) for nothing.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService($"liaisonnet-{kind.DataFolderName()}"))
                .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
                .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentationIfAvailable())
                .UseOtlpExporter();
        }

        return builder;
    }

    private const int MaxReceiveMessageSize = 1024 * 1024;

    /// <summary>
    /// gRPC with clean decoding, bounded messages, and the interceptors in order: errors mapped (outermost), input limits,
    /// access rules.
    /// </summary>
    public static global::Grpc.AspNetCore.Server.IGrpcServerBuilder AddLiaisonGrpc(this WebApplicationBuilder builder)
    {
        var grpcBuilder = builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ErrorInterceptor>();
            grpc.Interceptors.Add<InputInterceptor>();
            grpc.Interceptors.Add<AccessInterceptor>();
            grpc.CompressionProviders = [new BoundedGzip(MaxReceiveMessageSize)];
            grpc.MaxReceiveMessageSize = MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = 4 * 1024 * 1024;
            grpc.EnableDetailedErrors = false;
            // No catch-all "unimplemented" endpoints: every routed endpoint is a method with an access rule, and an
            // unknown method finds no endpoint (HTTP 404, which clients read as UNIMPLEMENTED).
            grpc.IgnoreUnknownServices = true;
        });
        // gRPC's own binder answers UNKNOWN to a request it cannot decode; this one answers a definite status.
        builder.Services.RemoveAll(typeof(IServiceMethodProvider<>));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(DecodingMethodProvider<>)));
        return grpcBuilder;
    }

    /// <summary>Marks a connection that came in on <c>Liaison:HealthListen</c>.</summary>
    internal const string HealthOnly = "liaison.health-only";

    /// <summary>The liveness path: answers while the process runs.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The readiness path: answers once every readiness check passes.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>
    /// <see cref="LivePath"/> and <see cref="ReadyPath"/>, on the service's own address and on <c>Liaison:HealthListen</c>
    /// when set, which answers nothing else (<see cref="HealthPortFilter"/>).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        var rule = AccessRule.Anonymous("Liveness and readiness for the orchestrator; says nothing of the data.");
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") }).WithAccessRule(rule);
        app.MapHealthChecks(ReadyPath).WithAccessRule(rule);
        return app;
    }

    private static MeterProviderBuilder AddRuntimeInstrumentationIfAvailable(this MeterProviderBuilder metrics) =>
        metrics.AddMeter("System.Runtime");

    /// <summary>
    /// A listening socket handed to the service by the process that started it (Liaison:ListenHandles:{name}, a file
    /// descriptor), as socket activation does: the service serves on it instead of binding its port itself.
    /// </summary>
    public static ulong? ListenHandle(this IConfiguration configuration, string name) =>
        ulong.TryParse(configuration[$"{LiaisonOptions.Section}:ListenHandles:{name}"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var handle)
            ? handle
            : null;

    /// <summary>
    /// Listens on the host and port of <paramref name="url"/> (loopback only for "localhost") with the given protocols, or
    /// on the inherited socket <paramref name="handle"/> when one was handed over.
    /// </summary>
    public static void ListenOn(this KestrelServerOptions kestrel, Uri url, HttpProtocols protocols, ulong? handle = null, Action<ListenOptions>? configure = null)
    {
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            configure?.Invoke(listen);
        }

        if (handle is { } inherited)
        {
            kestrel.ListenHandle(inherited, Configure);
        }
        else if (url.IsLoopback && url.Host == "localhost")
        {
            kestrel.ListenLocalhost(url.Port, Configure);
        }
        else if (IPAddress.TryParse(url.Host, out var address))
        {
            kestrel.Listen(address, url.Port, Configure);
        }
        else
        {
            kestrel.ListenAnyIP(url.Port, Configure);
        }
    }
}

/// <summary>First in the pipeline: a request on the health port for anything but the health paths finds nothing.</summary>
internal sealed class HealthPortFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, proceed) =>
        {
            if (context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items.ContainsKey(Extensions.HealthOnly) == true
                && !context.Request.Path.Equals(Extensions.LivePath) && !context.Request.Path.Equals(Extensions.ReadyPath))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return proceed(context);
        });
        next(app);
    };
}
