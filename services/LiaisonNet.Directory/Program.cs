using LiaisonNet.Directory.Extensions;
using LiaisonNet.ServiceDefaults.Hosting;

return ServiceMain.Run("liaison-directory", () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddDirectoryService();
    var app = builder.Build();
    app.MapDirectoryService();
    return app;
});
