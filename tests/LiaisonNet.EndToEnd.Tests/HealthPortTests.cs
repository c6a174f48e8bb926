using System.Net;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Xunit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>Liaison:HealthListen: an HTTP/1.1 port for an orchestrator's probes of a gRPC-only service, answering nothing else.</summary>
// One storage only: the probes' port does not touch storage.
[Trait("Storage", "Either")]
public sealed class HealthPortTests
{
    [Fact]
    public async Task AGrpcServiceAnswersItsProbesOverHttp11OnTheHealthPortAndNothingElseThere()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Liaison:HealthListen"] = "http://127.0.0.1:0" });
        var relayPort = new Uri(system.Urls.Relay).Port;
        var health = system.ListeningOn(ServiceKind.Relay).Select(a => new Uri(a)).Single(a => a.Port != relayPort && a.Port != 0);
        using var http = new HttpClient { BaseAddress = health, DefaultRequestVersion = HttpVersion.Version11 };

        using (var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // A gRPC method on the health port: not found, whatever the caller holds.
        using var call = new HttpRequestMessage(HttpMethod.Post, "/liaison.relay.v1.RelayService/ListInbox") { Content = new ByteArrayContent([0, 0, 0, 0, 0]) };
        call.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        using var refused = await http.SendAsync(call);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }
}
