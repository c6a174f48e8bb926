using LiaisonNet.Relay.Extensions;
using LiaisonNet.ServiceDefaults.Hosting;

return ServiceMain.Run("liaison-relay", () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddRelayService();
    var app = builder.Build();
    app.MapRelayService();
    return app;
});
