using LiaisonNet.Directory.Grpc;
using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Storage;
using LiaisonNet.ServiceDefaults;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Security;

namespace LiaisonNet.Directory.Extensions;

public static class Extensions
{
    public static WebApplicationBuilder AddDirectoryService(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults(ServiceKind.Directory);
        builder.AddTokenValidation(LiaisonAudiences.Directory);
        builder.AddLiaisonGrpc();
        builder.Services.AddOptions<DirectoryOptions>().BindConfiguration(DirectoryOptions.Section);
        builder.Services.AddSingleton<OfficerIndex>();
        builder.Services.AddHostedService<DirectoryStore>();
        return builder;
    }

    public static WebApplication MapDirectoryService(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGrpcService<DirectoryGrpcService>().RequireAuthorization();
        app.MapDefaultEndpoints();
        return app;
    }
}
