using LiaisonNet.Directory.Accounts;
using LiaisonNet.Directory.Grpc;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Storage;
using LiaisonNet.ServiceDefaults;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.AuditTrail;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using LiaisonNet.ServiceDefaults.Security;
using NodaTime;

namespace LiaisonNet.Directory.Extensions;

public static class Extensions
{
    public static WebApplicationBuilder AddDirectoryService(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults(ServiceKind.Directory);
        builder.AddTokenValidation(LiaisonAudiences.Directory);
        builder.AddLiaisonGrpc();
        var services = builder.Services;
        services.AddOptions<DirectoryOptions>().BindConfiguration(DirectoryOptions.Section)
            .Validate(o => o.SearchBurst > 0 && o.SearchesPerSecond > 0, "Directory:SearchBurst and Directory:SearchesPerSecond must be positive.")
            .Validate(o => o.SyntheticOfficers is >= 0 and <= 1_000_000, "Directory:SyntheticOfficers is 0 to 1,000,000.")
            .ValidateOnStart();
        services.AddSingleton<IClock>(SystemClock.Instance);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DirectoryIndex>();
        services.AddSingleton<SearchRateLimiter>();
        services.AddSingleton<ISubjectBinding, IndexSubjects>();
        services.AddRefusalTrail("liaison-directory", (sp, e, ct) => sp.GetRequiredService<DirectoryStore>().RecordAsync(e, ct));
        services.AddSingleton<OutboxSignal>();
        services.AddServiceDatabase(builder.Configuration, ServiceKind.Directory, "directory.db");
        services.AddSingleton<DirectoryStore>();
        services.AddHostedService(sp => sp.GetRequiredService<DirectoryStore>());
        services.AddHostedService<DirectoryFollower>();
        // Look-ups of restricted fields and every change reach the audit trail through the directory's outbox.
        services.AddServiceTokenSource(DirectoryOptions.Section, LiaisonScopes.AuditAppend, LiaisonScopes.AccountsLookup);
        services.AddServiceGrpcClient<AccountLookupService.AccountLookupServiceClient>(urls => urls.IdentityAdmin, TimeSpan.FromSeconds(5));
        services.AddSingleton<AccountOwners>();
        services.AddAuditOutboxDelivery(sp => sp.GetRequiredService<DirectoryStore>());
        return builder;
    }

    public static WebApplication MapDirectoryService(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAccessRules();
        app.UseGrpcFrameGuard();
        app.MapGrpcService<DirectoryGrpcService>().RequireAuthorization().WithAccessRules(DirectoryAccess.Rules);
        app.MapGrpcService<DirectoryAdminGrpcService>().RequireAuthorization().WithAccessRules(DirectoryAccess.AdminRules);
        app.MapDefaultEndpoints();
        return app;
    }
}
