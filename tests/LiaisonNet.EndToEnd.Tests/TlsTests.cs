using System.Net;
using System.Net.Http.Json;
using System.Security.Authentication;
using System.Threading.Channels;
using Grpc.Core;
using Grpc.Net.Client;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Security;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// The system as a deployment runs it: every service on https:// with a certificate from an authority the test made,
/// every call between services over TLS checked against that authority, and mutual TLS between services.
/// </summary>
// One storage only: TLS is the same whichever storage is behind it.
[Trait("Storage", "Either")]
public sealed class TlsTests(TlsSystemFixture fixture) : IClassFixture<TlsSystemFixture>
{
    private readonly TestAuthority _authority = fixture.Authority;
    private readonly RunningSystem _system = fixture.System;

    [Fact]
    public async Task SignInSendLivePushAndAuditAllRunOverTls()
    {
        Assert.All(new[] { _system.Urls.Gateway, _system.Urls.Identity, _system.Urls.Directory, _system.Urls.Relay, _system.Urls.Audit, _system.Urls.IdentityAdmin },
            url => Assert.StartsWith("https://127.0.0.1:", url, StringComparison.Ordinal));

        // Sign-in at the identity server over https; the session cookie is sent over TLS only, and the page asks for HSTS.
        using var sender = await _system.GatewaySessionAsync("sattarkhanov");
        using var recipient = await _system.GatewaySessionAsync("khodjaev");
        var session = Assert.Single(sender.Cookies.GetCookies(new Uri(_system.Urls.Gateway)), c => c.Name.StartsWith(".liaison.session", StringComparison.Ordinal));
        Assert.True(session.Secure);
        using var page = await sender.Http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("max-age=31536000; includeSubDomains", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")));

        // Live push over a secure WebSocket.
        var pushed = Channel.CreateUnbounded<InboxItemDto>();
        await using var hub = recipient.InboxHub();
        hub.On<InboxItemDto>("MessageReceived", item => pushed.Writer.TryWrite(item));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", 0L);

        // The gateway calls the directory and the relay over TLS, the relay the directory and the audit service.
        var subject = $"Convoy at Zhibek Zholy {Guid.NewGuid():n}";
        using var send = await sender.PostJsonAsync("/api/messages", new SendMessageDto(Guid.NewGuid().ToString(), ["uz-cus-khodjaev"], null, "FLASH", subject, "Four trucks, sealed."));
        Assert.Equal(HttpStatusCode.OK, send.StatusCode);
        var sent = (await send.Content.ReadFromJsonAsync<SentDto>())!;
        var item = await pushed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(sent.MessageId, item.MessageId);
        using var ack = await recipient.PostJsonAsync($"/api/messages/{sent.MessageId}/acknowledge", new { });
        Assert.Equal(HttpStatusCode.NoContent, ack.StatusCode);

        // The auditor over gRPC on TLS; the relay's audit events arrived over mutual TLS.
        using var auditor = await _system.ClientForUserAsync("omarova");
        var trail = await Expect.TrailAsync(auditor, sent.MessageId, "message.acknowledged");
        Assert.Contains(trail, e => e.Action == "message.sent");
        Assert.Contains(trail, e => e.Action == "message.delivered");
        Assert.Contains(trail, e => e.Action == "message.acknowledged");
    }

    [Fact]
    public async Task AClientThatDoesNotTrustTheAuthorityIsRefused()
    {
        // The system's own roots do not include the test authority: the page, the sign-in and gRPC all fail the handshake.
        using var http = new HttpClient();
        foreach (var url in new[] { _system.Urls.Gateway, _system.Urls.Identity + "/account/login" })
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(url)));
            Assert.IsType<AuthenticationException>(refused.InnerException);
        }

        using var channel = GrpcChannel.ForAddress(_system.Urls.Directory);
        var client = new LiaisonNet.Protos.Directory.V1.DirectoryService.DirectoryServiceClient(channel);
        // The client library fails the call itself (as Internal), before anything reaches the directory.
        var error = await Assert.ThrowsAsync<RpcException>(() => client.SearchOfficersAsync(new() { Query = "Ходжаев" }).ResponseAsync);
        Assert.Contains("The SSL connection could not be established", error.Status.Detail, StringComparison.Ordinal);

        // Nor does anything answer plain HTTP on a TLS port.
        var plain = new UriBuilder(_system.Urls.Gateway) { Scheme = "http" }.Uri;
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync(plain));
    }

    [Fact]
    public async Task UnderMutualTlsAServiceTokenIsRefusedFromAConnectionWithoutAClientCertificate()
    {
        using var tokenHttp = new HttpClient(TestTrust.Handler());
        using var tokens = new ClientCredentialsTokenSource(tokenHttp, new Uri(_system.Urls.Issuer, "connect/token"),
            _system.Settings["Relay:ServiceClient:ClientId"]!, _system.Settings["Relay:ServiceClient:ClientSecret"]!, [LiaisonScopes.AuditAppend]);

        // The relay's own token and secret, from a machine without the relay's certificate: refused.
        using var without = new LiaisonClient(_system.Endpoints, tokens, handler: TestTrust.GrpcHandler());
        var refused = await Expect.StatusAsync(StatusCode.PermissionDenied, () => without.Audit.AppendAsync(new AppendRequest()).ResponseAsync);
        Assert.Equal("A service calls over mutual TLS: this connection presented no client certificate.", refused.Status.Detail);

        // With the certificate, the call is admitted and its request judged (an empty batch is invalid).
        var handler = TestTrust.GrpcHandler();
        handler.SslOptions.ClientCertificates = [_authority.ClientCertificate()];
        using var with = new LiaisonClient(_system.Endpoints, tokens, handler: handler);
        await Expect.StatusAsync(StatusCode.InvalidArgument, () => with.Audit.AppendAsync(new AppendRequest()).ResponseAsync);

        // A person's client needs no certificate.
        using var auditor = await _system.ClientForUserAsync("omarova");
        Assert.True((await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest())).TreeSize >= 0);
    }

    [Fact]
    public async Task APlainHttpDeploymentOffLoopbackIsRefusedAtStartUnlessAllowed()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningSystem.StartAsync(new Dictionary<string, string?> { ["Liaison:Urls:Audit"] = "http://192.0.2.10:5084" }));
        Assert.Contains("Liaison:Urls:Audit is http://192.0.2.10:5084/, plain HTTP off loopback", refused.Message, StringComparison.Ordinal);

        // A balancer ending TLS in front of the gateway does not excuse the calls between services.
        refused = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSystem.StartAsync(new Dictionary<string, string?>
        {
            ["Liaison:Urls:Audit"] = "http://192.0.2.10:5084", ["Liaison:Tls:TrustedProxies:0"] = "192.0.2.1",
        }));
        Assert.Contains("Liaison:Urls:Audit", refused.Message, StringComparison.Ordinal);

        // An https:// service needs its certificate.
        refused = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSystem.StartAsync(new Dictionary<string, string?> { ["Liaison:Urls:Identity"] = "https://127.0.0.1:1" }));
        Assert.Contains("Liaison:Tls:CertificatePath names no certificate", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedHeadersAreBelievedFromTheTrustedBalancerAlone()
    {
        // TLS ended at a balancer on this machine: its X-Forwarded-Proto makes the gateway's answer ask for HSTS.
        await using (var behind = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Liaison:Tls:TrustedProxies:0"] = "127.0.0.1" }))
        {
            Assert.Equal(SecurityHeaders.StrictTransportSecurity, Assert.Single(await HstsAsync(behind.Urls.Gateway)));
        }

        // The same header from anyone else is ignored.
        await using var elsewhere = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Liaison:Tls:TrustedProxies:0"] = "192.0.2.1" });
        Assert.Empty(await HstsAsync(elsewhere.Urls.Gateway));
    }

    private static async Task<IReadOnlyList<string>> HstsAsync(string gateway)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(gateway), "/"));
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await http.SendAsync(request);
        return response.Headers.TryGetValues("Strict-Transport-Security", out var values) ? [.. values] : [];
    }
}

/// <summary>One system on TLS, with mutual TLS between its services, for the tests of <see cref="TlsTests"/>.</summary>
public sealed class TlsSystemFixture : IAsyncLifetime
{
    public TestAuthority Authority { get; } = new();

    public RunningSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await RunningSystem.StartAsync(Authority.Settings(mutualTls: true), Authority);

    public async Task DisposeAsync()
    {
        await System.DisposeAsync();
        Authority.Dispose();
    }
}
