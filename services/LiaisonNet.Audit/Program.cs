using LiaisonNet.Audit.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddAuditService();

var app = builder.Build();
app.MapAuditService();
app.Run();
