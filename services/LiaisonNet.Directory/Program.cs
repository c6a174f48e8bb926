using LiaisonNet.Directory.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddDirectoryService();

var app = builder.Build();
app.MapDirectoryService();
app.Run();
