using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace LiaisonNet.Identity.Accounts;

/// <summary>The server-rendered sign-in and sign-out pages.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this WebApplication app)
    {
        app.MapGet("/account/login", (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
            Page(context, antiforgery, SafeReturnUrl(returnUrl), userName: string.Empty, error: null));

        app.MapPost("/account/login", async (HttpContext context, IAntiforgery antiforgery, SignInManager<LiaisonUser> signIn, UserManager<LiaisonUser> users,
            [FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl) =>
        {
            var target = SafeReturnUrl(returnUrl);
            if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password) || userName.Length > 100 || password.Length > 200)
            {
                return Page(context, antiforgery, target, userName ?? string.Empty, "Enter your user name and password.");
            }

            var user = await users.FindByNameAsync(userName.Trim());
            if (user is { IsDisabled: true })
            {
                return Page(context, antiforgery, target, userName, "This account is disabled. Contact your agency administrator.");
            }

            var result = await signIn.PasswordSignInAsync(userName.Trim(), password, isPersistent: false, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                return Results.LocalRedirect(target);
            }

            var error = result.IsLockedOut
                ? "Too many failed attempts: the account is locked for a while. Try again later or contact your agency administrator."
                : "The user name or password is incorrect.";
            return Page(context, antiforgery, target, userName, error);
        });

        app.MapPost("/account/logout", async (SignInManager<LiaisonUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect(SafeReturnUrl(returnUrl));
        });
    }

    /// <summary>Only local paths: the sign-in page never redirects to another site.</summary>
    private static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 and < 4000 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";

    private static IResult Page(HttpContext context, IAntiforgery antiforgery, string returnUrl, string userName, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = HtmlEncoder.Default;
        var errorBlock = error is null ? string.Empty : $"""<p class="error" role="alert">{html.Encode(error)}</p>""";
        var body = $$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Sign in · LiaisonNet</title>
              <style>
                body { font-family: system-ui, sans-serif; background: #f3f5f8; display: grid; place-items: center; min-height: 100vh; margin: 0; }
                form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 2px 12px rgba(0,0,0,.08); width: min(22rem, 90vw); }
                h1 { font-size: 1.3rem; margin: 0 0 1rem; } label { display: block; margin-top: .8rem; font-size: .9rem; }
                input { width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; font-size: 1rem; }
                button { margin-top: 1.2rem; width: 100%; padding: .6rem; font-size: 1rem; background: #1d4e89; color: #fff; border: 0; border-radius: 4px; }
                .error { color: #a40000; }
              </style>
            </head>
            <body>
              <form method="post" action="/account/login">
                <h1>LiaisonNet sign-in</h1>
                {{errorBlock}}
                <input type="hidden" name="{{html.Encode(tokens.FormFieldName)}}" value="{{html.Encode(tokens.RequestToken ?? string.Empty)}}">
                <input type="hidden" name="returnUrl" value="{{html.Encode(returnUrl)}}">
                <label>User name <input name="userName" autocomplete="username" required maxlength="100" value="{{html.Encode(userName)}}" autofocus></label>
                <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="200"></label>
                <button type="submit">Sign in</button>
              </form>
            </body>
            </html>
            """;
        return Results.Content(body, "text/html; charset=utf-8");
    }
}
