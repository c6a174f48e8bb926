using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Relay.Grpc;
using LiaisonNet.Relay.Live;
using LiaisonNet.Relay.Messages;
using LiaisonNet.ServiceDefaults.AuditTrail;
using LiaisonNet.Relay.Recipients;
using LiaisonNet.Relay.Storage;
using LiaisonNet.ServiceDefaults;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Security;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Relay.Extensions;

public static class Extensions
{
    public static WebApplicationBuilder AddRelayService(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults(ServiceKind.Relay);
        builder.AddTokenValidation(LiaisonAudiences.Relay);
        builder.AddLiaisonGrpc();

        var services = builder.Services;
        services.AddOptions<RelayOptions>().BindConfiguration(RelayOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RelayOptions>, RelayOptionsValidator>();
        services.AddMemoryCache();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<BodyCipher>();
        services.AddSingleton<SendRateLimiter>();
        services.AddSingleton<LiveStreams>();
        services.AddSingleton<InboxNotifier>();
        services.AddSingleton<OutboxSignal>();
        services.AddServiceDatabase(builder.Configuration, ServiceKind.Relay, "relay.db");
        services.AddSingleton<RelayDatabase>();
        services.AddHostedService(sp => sp.GetRequiredService<RelayDatabase>());
        services.AddSingleton<SendStore>();
        services.AddHostedService(sp => sp.GetRequiredService<SendStore>());
        services.AddSingleton<InboxStore>();
        services.AddSingleton<DeskStore>();
        services.AddSingleton<SentStore>();
        services.AddSingleton<PermissionStore>();
        services.AddSingleton<EscalationStore>();
        services.AddSingleton<RetentionStore>();
        services.AddSingleton<RecipientResolver>();
        services.AddSingleton<DeskStaff>();
        services.AddSingleton<ISubjectBinding, DirectorySubjects>();
        services.AddRefusalTrail("liaison-relay", (sp, e, ct) => sp.GetRequiredService<RelayDatabase>().RecordAsync(e, ct));
        services.AddHostedService<Escalation.EscalationWorker>();
        services.AddHostedService<Escalation.RetentionWorker>();
        services.AddAuditOutboxDelivery(sp => sp.GetRequiredService<RelayDatabase>());

        services.AddServiceTokenSource(RelayOptions.Section, LiaisonScopes.AuditAppend, LiaisonScopes.Directory);
        services.AddServiceGrpcClient<DirectoryService.DirectoryServiceClient>(urls => urls.Directory, TimeSpan.FromSeconds(5));
        return builder;
    }

    public static WebApplication MapRelayService(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAccessRules();
        app.UseGrpcFrameGuard();
        app.MapGrpcService<RelayGrpcService>().RequireAuthorization().WithAccessRules(RelayAccess.Rules);
        app.MapDefaultEndpoints();
        return app;
    }
}
