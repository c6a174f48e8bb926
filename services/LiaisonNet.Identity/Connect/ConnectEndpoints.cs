using LiaisonNet.Identity.Accounts;
using LiaisonNet.Identity.AuditTrail;
using LiaisonNet.Identity.Pages;
using LiaisonNet.Identity.Seed;
using LiaisonNet.ServiceDefaults.Access;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LiaisonNet.Identity.Connect;

/// <summary>
/// The protocol endpoints that need a decision: OpenIddict validates each request, these decide who gets what
/// (authorization, token, device verification, end-session, userinfo).
/// </summary>
public static class ConnectEndpoints
{
    public static void MapConnectEndpoints(this WebApplication app)
    {
        // OpenIddict has validated each protocol request before it reaches these; each decides from the session or token it carries.
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).DisableAntiforgery()
            .WithAccessRule(AccessRule.Anonymous("Sends a signed-out user to the sign-in page; issues a code only for the signed-in one."));
        app.MapPost("/connect/token", TokenAsync).DisableAntiforgery()
            .WithAccessRule(AccessRule.Anonymous("Clients authenticate with their own credentials, codes or refresh tokens."));
        app.MapGet("/connect/verify", VerifyPageAsync)
            .WithAccessRule(AccessRule.Anonymous("Asks a signed-out user to sign in before showing the device code."));
        app.MapPost("/connect/verify", VerifyAsync)
            .WithAccessRule(AccessRule.Anonymous("Approves a device code only for the signed-in user, with an antiforgery token."));
        app.MapMethods("/connect/endsession", [HttpMethods.Get, HttpMethods.Post], EndSessionAsync).DisableAntiforgery()
            .WithAccessRule(AccessRule.Anonymous("Ends whatever session the browser holds; returns only to a registered address."));
        app.MapMethods("/connect/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfoAsync).DisableAntiforgery()
            .WithAccessRule(AccessRule.Anonymous("OpenIddict admits only a valid access token; the answer is about its own subject."));
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, UserManager<LiaisonUser> users, PrincipalFactory principals)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var signedIn = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!signedIn.Succeeded || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not signed in.");
            }

            var parameters = context.Request.HasFormContentType ? context.Request.Form.ToList() : context.Request.Query.ToList();
            parameters.RemoveAll(p => p.Key == Parameters.Prompt);
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + QueryString.Create(parameters) },
                [IdentityConstants.ApplicationScheme]);
        }

        var user = await users.GetUserAsync(signedIn.Principal);
        if (user is null || user.IsDisabled)
        {
            return Refuse(Errors.AccessDenied, "The account is disabled.");
        }

        return Results.SignIn(await principals.ForUserAsync(user, request.GetScopes()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> TokenAsync(HttpContext context, UserManager<LiaisonUser> users, IOpenIddictApplicationManager applications, PrincipalFactory principals)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!)
                ?? throw new InvalidOperationException("OpenIddict validated a client it cannot find.");
            var properties = await applications.GetPropertiesAsync(application);
            var agency = properties.TryGetValue(IdentitySeeder.SenderAgencyProperty, out var a) ? a.GetString() : null;
            var country = properties.TryGetValue(IdentitySeeder.SenderCountryProperty, out var c) ? c.GetString() : null;
            var principal = await principals.ForClientAsync(request.ClientId!, await applications.GetDisplayNameAsync(application) ?? request.ClientId!, request.GetScopes(),
                agency is { Length: > 0 } && country is { Length: > 0 } ? (agency, country) : null);
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType() || request.IsDeviceCodeGrantType())
        {
            // The account is read again at every redemption: a disabled account gets nothing, and current roles apply.
            var stored = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = stored.Principal?.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;
            if (user is null || user.IsDisabled)
            {
                return Refuse(Errors.InvalidGrant, "The account is disabled or no longer exists.");
            }

            return Results.SignIn(await principals.ForUserAsync(user, stored.Principal!.GetScopes()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Refuse(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    /// <summary>The page where a signed-in user enters (or confirms) the code the command-line tool shows.</summary>
    private static async Task<IResult> VerifyPageAsync(HttpContext context, IAntiforgery antiforgery, IOpenIddictApplicationManager applications)
    {
        if (await SignedInUserAsync(context) is null)
        {
            return ChallengeBack(context);
        }

        var page = new Page(context, antiforgery);
        var request = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (request.Principal?.GetClaim(Claims.ClientId) is { } clientId)
        {
            var application = await applications.FindByClientIdAsync(clientId);
            var name = application is null ? clientId : await applications.GetLocalizedDisplayNameAsync(application) ?? clientId;
            return DeviceConfirmPage(page, context.Request.Query[Parameters.UserCode].ToString(), name, request.Principal.GetScopes());
        }

        var error = string.IsNullOrEmpty(context.Request.Query[Parameters.UserCode]) ? null : page.Text["BadUserCode"];
        return DeviceCodePage(page, error);
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, IAntiforgery antiforgery, PrincipalFactory principals, IdentityAudit audit, [FromForm] string? decision)
    {
        var user = await SignedInUserAsync(context);
        if (user is null)
        {
            return ChallengeBack(context);
        }

        var page = new Page(context, antiforgery);
        var request = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (request.Principal?.GetClaim(Claims.ClientId) is not { } clientId)
        {
            return DeviceCodePage(page, page.Text["BadUserCode"]);
        }

        if (decision != "approve")
        {
            await audit.RecordNowAsync("account.device.denied", user.Id, user, user.Id, user.Agency);
            return Results.Forbid(new AuthenticationProperties { RedirectUri = "/connect/verify/done?result=denied" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        await audit.RecordNowAsync("account.device.approved", user.Id, user, clientId, user.Agency);
        var principal = await principals.ForUserAsync(user, request.Principal.GetScopes());
        return Results.SignIn(principal, new AuthenticationProperties { RedirectUri = "/connect/verify/done?result=approved" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    public static void MapDeviceDone(this WebApplication app) =>
        app.MapGet("/connect/verify/done", (HttpContext context, IAntiforgery antiforgery, string? result) =>
        {
            var page = new Page(context, antiforgery);
            var approved = result == "approved";
            return page.Render(page.Text["DeviceTitle"], $"""<p data-device-result="{(approved ? "approved" : "denied")}">{Page.E(page.Text[approved ? "DeviceApproved" : "DeviceDenied"])}</p>""");
        }).WithAccessRule(AccessRule.Anonymous("A static page saying whether a device was approved."));

    /// <summary>Ends the identity server's own session, then returns to the client's registered post-logout address.</summary>
    private static async Task<IResult> EndSessionAsync(SignInManager<LiaisonUser> signIn, IdentityAudit audit, HttpContext context)
    {
        if (await SignedInUserAsync(context) is { } user)
        {
            await audit.RecordNowAsync("account.signed_out", user.Id, user, user.Id, user.Agency);
        }

        await signIn.SignOutAsync();
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/login" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<IResult> UserInfoAsync(HttpContext context, UserManager<LiaisonUser> users)
    {
        var token = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var user = token.Principal?.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;
        if (user is null || user.IsDisabled)
        {
            return Results.Challenge(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account is disabled or no longer exists.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id };
        if (token.Principal!.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.DisplayName;
            claims[Claims.PreferredUsername] = user.UserName ?? user.Id;
            claims[LiaisonNet.ServiceDefaults.Security.LiaisonClaims.Country] = user.Country;
            claims[LiaisonNet.ServiceDefaults.Security.LiaisonClaims.Agency] = user.Agency;
        }

        return Results.Ok(claims);
    }

    private static async Task<LiaisonUser?> SignedInUserAsync(HttpContext context)
    {
        var signedIn = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!signedIn.Succeeded)
        {
            return null;
        }

        var users = context.RequestServices.GetRequiredService<UserManager<LiaisonUser>>();
        var user = await users.GetUserAsync(signedIn.Principal);
        return user is { IsDisabled: false } ? user : null;
    }

    private static IResult ChallengeBack(HttpContext context) =>
        Results.Challenge(new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + context.Request.QueryString },
            [IdentityConstants.ApplicationScheme]);

    private static IResult DeviceCodePage(Page page, string? error) =>
        page.Render(page.Text["DeviceTitle"], $"""
            {Page.Error(error)}
            <p>{Page.E(page.Text["DevicePrompt"])}</p>
            <form method="get" action="/connect/verify">
              <label>{Page.E(page.Text["Code"])} <input name="user_code" autocomplete="off" required maxlength="40" autofocus></label>
              <button type="submit">{Page.E(page.Text["Continue"])}</button>
            </form>
            """);

    private static IResult DeviceConfirmPage(Page page, string userCode, string clientName, IEnumerable<string> scopes) =>
        page.Render(page.Text["DeviceTitle"], $"""
            <p>{Page.E(string.Format(System.Globalization.CultureInfo.InvariantCulture, page.Text["DeviceConfirm"], clientName, string.Join(", ", scopes)))}</p>
            <p><code>{Page.E(userCode)}</code></p>
            <form method="post" action="/connect/verify">
              {page.Antiforgery()}
              <input type="hidden" name="user_code" value="{Page.E(userCode)}">
              <button type="submit" name="decision" value="approve">{Page.E(page.Text["Approve"])}</button>
              <button type="submit" name="decision" value="deny" class="secondary">{Page.E(page.Text["Deny"])}</button>
            </form>
            """);

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static List<KeyValuePair<string, StringValues>> ToList(this IEnumerable<KeyValuePair<string, StringValues>> source) => [.. source];
}
