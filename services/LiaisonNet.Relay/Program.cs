using LiaisonNet.Relay.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddRelayService();

var app = builder.Build();
app.MapRelayService();
app.Run();
