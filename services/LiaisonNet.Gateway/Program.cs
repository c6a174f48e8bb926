using LiaisonNet.Gateway.Extensions;
using LiaisonNet.ServiceDefaults.Hosting;

return ServiceMain.Run("liaison-gateway", () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddGatewayService();
    var app = builder.Build();
    app.MapGatewayService();
    return app;
});
