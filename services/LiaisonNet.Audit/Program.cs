using LiaisonNet.Audit.Extensions;
using LiaisonNet.ServiceDefaults.Hosting;

return ServiceMain.Run("liaison-audit", () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddAuditService();
    var app = builder.Build();
    app.MapAuditService();
    return app;
});
