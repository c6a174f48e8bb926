using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// What a browser is told about the gateway's page, its API and the identity server's pages: a strict
/// Content-Security-Policy (no inline script, framed by no site, connections to the gateway alone), no sniffing, no
/// referrer to other sites, no powerful features, as probed from outside.
/// </summary>
// One storage only: the headers do not depend on storage.
[Trait("Storage", "Either")]
public sealed partial class SecurityHeadersTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task TheGatewaysPageAndApiAreNeverFramedLoadOnlyFromTheGatewayAndAreNotSniffed()
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(System.Urls.Gateway) };
        foreach (var path in new[] { "/", "/api/me", "/api/inbox", "/.well-known/liaisonnet", "/no-such-page" })
        {
            using var answer = await browser.GetAsync(new Uri(path, UriKind.Relative));
            var policy = Directives(Header(answer, "Content-Security-Policy"));
            Assert.Equal("'none'", policy["default-src"]);
            Assert.Equal("'self'", policy["script-src"]);
            Assert.Equal("'self'", policy["connect-src"]);
            Assert.Equal("'none'", policy["frame-ancestors"]);
            Assert.Equal("'none'", policy["object-src"]);
            Assert.Equal("'none'", policy["base-uri"]);
            Assert.Equal($"'self' {System.Urls.Issuer.GetLeftPart(UriPartial.Authority)}", policy["form-action"]);
            Assert.DoesNotContain("unsafe", Header(answer, "Content-Security-Policy"), StringComparison.Ordinal);
            AssertCommon(answer, path);
            // Plain HTTP on loopback: no HSTS (a browser would pin it to HTTPS).
            Assert.False(answer.Headers.Contains("Strict-Transport-Security"), path);
        }
    }

    [Fact]
    public async Task TheIdentityServersPagesAllowOnlyTheirOwnHashedStyleAndNoScript()
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(System.Urls.Identity) };
        foreach (var path in new[] { "/account/login", "/account/login?lang=ru" })
        {
            using var answer = await browser.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var header = Header(answer, "Content-Security-Policy");
            var policy = Directives(header);
            Assert.Equal("'none'", policy["default-src"]);
            Assert.Equal("'none'", policy["frame-ancestors"]);
            Assert.False(policy.ContainsKey("script-src"), header);
            Assert.DoesNotContain("unsafe", header, StringComparison.Ordinal);
            Assert.Equal("no-referrer", Header(answer, "Referrer-Policy"));

            // The one style the policy allows is the page's own style element, by its hash.
            var html = await answer.Content.ReadAsStringAsync();
            var styles = StyleElement().Matches(html);
            var style = Assert.Single(styles).Groups[1].Value;
            Assert.Equal($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style)))}'", policy["style-src"]);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
            AssertCommon(answer, path);
        }

        // The protocol's answers (JSON) load and frame nothing either.
        using var discovery = await browser.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.Equal("'none'", Directives(Header(discovery, "Content-Security-Policy"))["frame-ancestors"]);
        AssertCommon(discovery, "discovery");
    }

    private static void AssertCommon(HttpResponseMessage answer, string path)
    {
        Assert.True(Header(answer, "X-Content-Type-Options") == "nosniff", path);
        Assert.True(Header(answer, "X-Frame-Options") == "DENY", path);
        Assert.NotEqual("", Header(answer, "Referrer-Policy"));
        var permissions = Header(answer, "Permissions-Policy");
        foreach (var feature in new[] { "camera=()", "microphone=()", "geolocation=()" })
        {
            Assert.Contains(feature, permissions, StringComparison.Ordinal);
        }
    }

    private static string Header(HttpResponseMessage answer, string name) =>
        answer.Headers.TryGetValues(name, out var values) || answer.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : string.Empty;

    private static Dictionary<string, string> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : string.Empty, StringComparer.Ordinal);

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();
}
