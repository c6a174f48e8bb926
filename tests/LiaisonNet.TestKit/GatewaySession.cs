using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiaisonNet.TestKit;

/// <summary>What a browser holds: a cookie jar with the gateway session, nothing else.</summary>
public sealed class GatewaySession(Uri gateway) : IDisposable
{
    private readonly CookieContainer _cookies = new();
    private HttpClient? _http;

    public HttpClient Http => _http ?? throw new InvalidOperationException("Sign in first.");

    public CookieContainer Cookies => _cookies;

    public async Task SignInAsync(string userName, string password)
    {
        var handler = TestTrust.Handler(_cookies, followRedirects: false);
        _http = new HttpClient(handler) { BaseAddress = gateway };
        _http.DefaultRequestHeaders.Add("X-Liaison-Csrf", "1");
        var landing = await SignInPage.CompleteAsync(_http, new Uri(gateway, "/account/login?returnUrl=/"), userName, password,
            u => u.Authority == gateway.Authority && u.AbsolutePath == "/");
        if (landing.AbsolutePath != "/")
        {
            throw new InvalidOperationException($"Sign-in ended at {landing}");
        }

        using var me = await _http.GetAsync(new Uri("/api/me", UriKind.Relative));
        me.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// A SignalR connection to the inbox hub, authenticated by the session cookie only: on the gateway signed in at, or
    /// on another instance of it (<paramref name="on"/>; the cookie names a session every instance can read).
    /// </summary>
    public HubConnection InboxHub(Uri? on = null) => new HubConnectionBuilder()
        .WithUrl(new Uri(on ?? gateway, "/hubs/inbox"), options =>
        {
            options.Cookies = _cookies;
            // Over https, the test authorities are trusted for the negotiation and the WebSocket alike.
            options.HttpMessageHandlerFactory = inner =>
            {
                if (inner is HttpClientHandler handler)
                {
                    handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => TestTrust.Accepts(certificate, errors);
                }

                return inner;
            };
            options.WebSocketConfiguration = socket => socket.RemoteCertificateValidationCallback = (_, certificate, _, errors) => TestTrust.Accepts(certificate, errors);
        })
        .Build();

    public Task<HttpResponseMessage> PostJsonAsync<T>(string path, T body) => Http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);

    public void Dispose() => _http?.Dispose();
}
