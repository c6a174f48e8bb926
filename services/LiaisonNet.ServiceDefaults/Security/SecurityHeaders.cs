using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LiaisonNet.ServiceDefaults.Security;

/// <summary>
/// The headers every browser-facing response carries: a Content-Security-Policy (no inline script, no framing by any
/// site), <c>X-Content-Type-Options: nosniff</c>, a <c>Referrer-Policy</c>, a <c>Permissions-Policy</c> that turns off
/// what LiaisonNet never uses, and, over HTTPS, HSTS. A response that sets its own policy (a page with a hashed style)
/// keeps it.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>For responses that are no page: nothing may load, nothing may frame it.</summary>
    public const string NothingPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public const string PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), midi=(), "
        + "magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()";

    public const string StrictTransportSecurity = "max-age=31536000; includeSubDomains";

    /// <summary>
    /// The policy of a single-page application served by this origin: scripts, styles, fonts, images and connections
    /// (the API, the live hub's WebSocket) from the origin alone; forms post to the origin and to <paramref name="formTargets"/>
    /// (the identity server, where signing out continues).
    /// </summary>
    public static string SameOriginApp(params string[] formTargets) =>
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; "
        + $"form-action 'self'{string.Concat(formTargets.Select(t => " " + t))}; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, string contentSecurityPolicy) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (!headers.ContainsKey("Content-Security-Policy"))
                {
                    headers.ContentSecurityPolicy = contentSecurityPolicy;
                }

                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                if (!headers.ContainsKey("Referrer-Policy"))
                {
                    headers["Referrer-Policy"] = "same-origin";
                }

                headers["Permissions-Policy"] = PermissionsPolicy;
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                if (context.Request.IsHttps)
                {
                    headers.StrictTransportSecurity = StrictTransportSecurity;
                }

                return Task.CompletedTask;
            });
            return next(context);
        });
}
