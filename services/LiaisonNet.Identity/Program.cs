using LiaisonNet.Identity.Extensions;
using LiaisonNet.ServiceDefaults.Hosting;

return ServiceMain.Run("liaison-identity", () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddIdentityService();
    var app = builder.Build();
    app.MapIdentityService();
    return app;
});
