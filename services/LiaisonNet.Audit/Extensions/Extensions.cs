using LiaisonNet.Audit.Grpc;
using LiaisonNet.Audit.Log;
using LiaisonNet.ServiceDefaults;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Security;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Audit.Extensions;

public static class Extensions
{
    public static WebApplicationBuilder AddAuditService(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults(ServiceKind.Audit);
        builder.AddTokenValidation(LiaisonAudiences.Audit);
        builder.AddLiaisonGrpc();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CheckpointSigner>();
        builder.Services.AddServiceDatabase(builder.Configuration, ServiceKind.Audit, "audit.db");
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddRefusalTrail("liaison-audit", (sp, e, ct) => sp.GetRequiredService<AuditLog>().AppendAsync([e], ct));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        builder.Services.AddHostedService<RestoreRecorder>();
        builder.Services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section)
            .Validate(o => o.VerifyInterval > TimeSpan.Zero, "Audit:VerifyInterval must be positive.").ValidateOnStart();
        builder.Services.AddSingleton<LogMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LogMonitor>());
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            "audit-log-integrity", sp => sp.GetRequiredService<LogMonitor>(), null, ["ready"]));
        return builder;
    }

    public static WebApplication MapAuditService(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAccessRules();
        app.UseGrpcFrameGuard();
        app.MapGrpcService<AuditGrpcService>().RequireAuthorization().WithAccessRules(AuditAccess.Rules);
        app.MapDefaultEndpoints();
        return app;
    }
}
