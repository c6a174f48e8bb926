using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.WebUtilities;

namespace LiaisonNet.Identity.Pages;

/// <summary>Renders the identity server's small server-side pages: one form each, no script, every value HTML-encoded.</summary>
public sealed class Page(HttpContext context, IAntiforgery antiforgery)
{
    // Every script left as it is (Cyrillic, Perso-Arabic); markup characters still encoded.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>The pages' one style sheet, inline; the policy allows exactly it (by its hash) and no other style or any script.</summary>
    private const string Style = "body { font-family: system-ui, sans-serif; background: #f3f5f8; display: grid; place-items: center; min-height: 100vh; margin: 0; } main { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 2px 12px rgba(0,0,0,.08); width: min(24rem, 90vw); } h1 { font-size: 1.3rem; margin: 0 0 1rem; } label { display: block; margin-top: .8rem; font-size: .9rem; } input { width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; font-size: 1rem; } button { margin-top: 1.2rem; width: 100%; padding: .6rem; font-size: 1rem; background: #1d4e89; color: #fff; border: 0; border-radius: 4px; } button.secondary { background: #e4e8ee; color: #222; } .error { color: #a40000; } .lang { float: right; font-size: .85rem; } code { word-break: break-all; } ul.codes { columns: 2; font-family: monospace; }";

    private static readonly string Policy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Style)))}'; "
        // No form-action: a sign-in form's answer redirects on to the client's registered address, which browsers
        // would check against it.
        + "img-src data:; base-uri 'none'; frame-ancestors 'none'";

    public Text Text { get; } = Text.For(context);

    public static string E(string? value) => Html.Encode(value ?? string.Empty);

    /// <summary>The hidden antiforgery field every form carries.</summary>
    public string Antiforgery()
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
    }

    public static string Error(string? message) => message is null ? string.Empty : $"""<p class="error" role="alert">{E(message)}</p>""";

    public IResult Render(string title, string body, int status = StatusCodes.Status200OK)
    {
        var other = Text.Russian ? "en" : "ru";
        var switchUrl = QueryHelpers.AddQueryString(context.Request.Path, context.Request.Query
            .Where(q => q.Key != "lang").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new KeyValuePair<string, string?>("lang", other)));
        var html = $$"""
            <!doctype html>
            <html lang="{{Text.Lang}}">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <meta name="referrer" content="no-referrer">
              <title>{{E(title)}} · LiaisonNet</title>
              <style>{{Style}}</style>
            </head>
            <body>
              <main>
                <a class="lang" href="{{E(switchUrl)}}" hreflang="{{other}}">{{E(Text["Language"])}}</a>
                <h1>{{E(title)}}</h1>
                {{body}}
              </main>
            </body>
            </html>
            """;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Frame-Options"] = "DENY";
        context.Response.Headers.ContentSecurityPolicy = Policy;
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
