using LiaisonNet.Identity.AuditTrail;
using LiaisonNet.Identity.Pages;
using LiaisonNet.ServiceDefaults.Access;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using QRCoder;

namespace LiaisonNet.Identity.Accounts;

/// <summary>
/// The server-rendered account pages: sign-in (password, then the TOTP second factor or a recovery code), second-factor
/// enrolment with a QR code and recovery codes, and sign-out. Every sign-in and failed sign-in reaches the audit trail.
/// </summary>
public static class AccountEndpoints
{
    private const int MaxUserName = 100;
    private const int MaxPassword = 200;
    private const int MaxCode = 40;

    public static void MapAccountEndpoints(this WebApplication app)
    {
        var signIn = AccessRule.Anonymous("The sign-in pages themselves: password, lockout and second factor.");
        app.MapGet("/account/login", (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
            LoginPage(new Page(context, antiforgery), SafeReturnUrl(returnUrl), userName: string.Empty, error: null)).WithAccessRule(signIn);

        app.MapPost("/account/login", LoginAsync).WithAccessRule(signIn);
        app.MapGet("/account/2fa", (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
            SecondFactorPage(new Page(context, antiforgery), SafeReturnUrl(returnUrl), error: null)).WithAccessRule(signIn);
        app.MapPost("/account/2fa", SecondFactorAsync).WithAccessRule(signIn);

        var ownSecurity = AccessRule.Session(AccessCallers.AnyPerson).Checks("The signed-in user's own second factor only.");
        app.MapGet("/account/security", SecurityAsync).RequireAuthorization().WithAccessRule(ownSecurity);
        app.MapPost("/account/security/enable", EnableSecondFactorAsync).RequireAuthorization().WithAccessRule(ownSecurity);

        app.MapPost("/account/logout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<LiaisonUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            var target = SafeReturnUrl(returnUrl);
            if (target != "/")
            {
                return Results.LocalRedirect(target);
            }

            var page = new Page(context, antiforgery);
            return page.Render(page.Text["SignOut"], $"<p>{Page.E(page.Text["SignedOut"])}</p>");
        }).WithAccessRule(AccessRule.Anonymous("Ends the browser's own session, with an antiforgery token."));
    }

    private static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, SignInManager<LiaisonUser> signIn, UserManager<LiaisonUser> users,
        IdentityAudit audit, [FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl)
    {
        var page = new Page(context, antiforgery);
        var target = SafeReturnUrl(returnUrl);
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password) || userName.Length > MaxUserName || password.Length > MaxPassword)
        {
            return LoginPage(page, target, (userName ?? string.Empty)[..Math.Min(userName?.Length ?? 0, MaxUserName)], page.Text["EnterUserAndPassword"]);
        }

        var name = userName.Trim();
        var user = await users.FindByNameAsync(name);
        if (user is null)
        {
            await audit.RecordNowAsync("account.signin.failed", "anonymous", null, $"unknown:{name}");
            return LoginPage(page, target, name, page.Text["BadCredentials"]);
        }

        if (user.IsDisabled)
        {
            await audit.RecordNowAsync("account.signin.refused_disabled", user.Id, user, user.Id, user.Agency);
            return LoginPage(page, target, name, page.Text["Disabled"]);
        }

        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            await audit.RecordNowAsync("account.signin.succeeded", user.Id, user, user.Id, user.Agency);
            return Results.LocalRedirect(target);
        }

        if (result.RequiresTwoFactor)
        {
            await audit.RecordNowAsync("account.signin.password_accepted", user.Id, user, user.Id, user.Agency);
            return Results.LocalRedirect(QueryHelpers.AddQueryString("/account/2fa", "returnUrl", target));
        }

        await audit.RecordNowAsync(result.IsLockedOut ? "account.signin.locked_out" : "account.signin.failed", user.Id, user, user.Id, user.Agency);
        return LoginPage(page, target, name, page.Text[result.IsLockedOut ? "LockedOut" : "BadCredentials"]);
    }

    private static async Task<IResult> SecondFactorAsync(HttpContext context, IAntiforgery antiforgery, SignInManager<LiaisonUser> signIn, IdentityAudit audit, SecondFactorOutcome outcome,
        [FromForm] string? code, [FromForm] string? returnUrl)
    {
        var page = new Page(context, antiforgery);
        var target = SafeReturnUrl(returnUrl);
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            return LoginPage(page, target, string.Empty, page.Text["SessionExpired"]);
        }

        if (user.IsDisabled)
        {
            return LoginPage(page, target, string.Empty, page.Text["Disabled"]);
        }

        // Recovery codes keep their dash (that is how they are stored); spaces are dropped from either kind.
        var entered = (code ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal);
        if (entered.Length is 0 or > MaxCode)
        {
            return SecondFactorPage(page, target, page.Text["BadCode"]);
        }

        // Six digits are an authenticator code; anything else is tried as a recovery code.
        var result = entered.Length == 6 && entered.All(char.IsAsciiDigit)
            ? await signIn.TwoFactorAuthenticatorSignInAsync(entered, isPersistent: false, rememberClient: false)
            : await signIn.TwoFactorRecoveryCodeSignInAsync(entered);
        if (result.Succeeded)
        {
            var byAuthenticator = entered.Length == 6 && entered.All(char.IsAsciiDigit);
            await audit.RecordNowAsync(byAuthenticator ? "account.signin.succeeded" : "account.signin.recovery_code_used", user.Id, user, user.Id, user.Agency);
            return Results.LocalRedirect(target);
        }

        var action = result.IsLockedOut ? "account.signin.locked_out" : outcome.Replayed ? "account.signin.second_factor_replayed" : "account.signin.second_factor_failed";
        await audit.RecordNowAsync(action, user.Id, user, user.Id, user.Agency);
        return result.IsLockedOut
            ? LoginPage(page, target, string.Empty, page.Text["LockedOut"])
            : SecondFactorPage(page, target, page.Text[outcome.Replayed ? "CodeUsed" : "BadCode"]);
    }

    private static async Task<IResult> SecurityAsync(HttpContext context, IAntiforgery antiforgery, UserManager<LiaisonUser> users, string? returnUrl)
    {
        var page = new Page(context, antiforgery);
        var user = await users.GetUserAsync(context.User);
        if (user is null)
        {
            return Results.Challenge();
        }

        return await SecurityPageAsync(page, users, user, SafeReturnUrl(returnUrl), error: null);
    }

    private static async Task<IResult> EnableSecondFactorAsync(HttpContext context, IAntiforgery antiforgery, UserManager<LiaisonUser> users, IdentityAudit audit, SecondFactorOutcome outcome,
        [FromForm] string? code, [FromForm] string? returnUrl)
    {
        var page = new Page(context, antiforgery);
        var target = SafeReturnUrl(returnUrl);
        var user = await users.GetUserAsync(context.User);
        if (user is null)
        {
            return Results.Challenge();
        }

        var entered = (code ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal);
        if (entered.Length != 6 || !await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, entered))
        {
            return await SecurityPageAsync(page, users, user, target, page.Text[outcome.Replayed ? "CodeUsed" : "BadCode"]);
        }

        audit.Record("account.second_factor.enrolled", user.Id, user, user.Id, user.Agency);
        await users.SetTwoFactorEnabledAsync(user, true);
        audit.Saved();
        var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10) ?? [];
        var list = string.Join(string.Empty, codes.Select(c => $"<li data-recovery-code>{Page.E(c)}</li>"));
        return page.Render(page.Text["RecoveryCodesTitle"], $"""
            <p>{Page.E(page.Text["RecoveryCodesPrompt"])}</p>
            <ul class="codes">{list}</ul>
            <p><a href="{Page.E(target)}">{Page.E(page.Text["Continue"])}</a></p>
            """);
    }

    private static async Task<IResult> SecurityPageAsync(Page page, UserManager<LiaisonUser> users, LiaisonUser user, string returnUrl, string? error)
    {
        if (user.TwoFactorEnabled)
        {
            return page.Render(page.Text["SecurityTitle"], $"""<p>{Page.E(page.Text["TwoFactorOn"])}</p><p><a href="{Page.E(returnUrl)}">{Page.E(page.Text["Continue"])}</a></p>""");
        }

        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("No authenticator key after reset.");
        }

        var uri = $"otpauth://totp/{Uri.EscapeDataString("LiaisonNet")}:{Uri.EscapeDataString(user.UserName ?? user.Id)}?secret={key}&issuer=LiaisonNet&digits=6&period=30";
        using var data = new QRCodeGenerator().CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(5));
        return page.Render(page.Text["SecurityTitle"], $"""
            {Page.Error(error)}
            <p>{Page.E(page.Text["EnrolPrompt"])}</p>
            <img alt="otpauth QR code" width="200" height="200" src="data:image/png;base64,{png}">
            <p>{Page.E(page.Text["Key"])}: <code data-authenticator-key>{Page.E(key)}</code></p>
            <form method="post" action="/account/security/enable">
              {page.Antiforgery()}
              <input type="hidden" name="returnUrl" value="{Page.E(returnUrl)}">
              <label>{Page.E(page.Text["Code"])} <input name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="{MaxCode}" autofocus></label>
              <button type="submit">{Page.E(page.Text["TurnOn"])}</button>
            </form>
            """);
    }

    /// <summary>Only local paths: the pages never redirect to another site.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 and < 4000 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";

    private static IResult LoginPage(Page page, string returnUrl, string userName, string? error) =>
        page.Render(page.Text["SignInTitle"], $"""
            {Page.Error(error)}
            <form method="post" action="/account/login">
              {page.Antiforgery()}
              <input type="hidden" name="returnUrl" value="{Page.E(returnUrl)}">
              <label>{Page.E(page.Text["UserName"])} <input name="userName" autocomplete="username" required maxlength="{MaxUserName}" value="{Page.E(userName)}" autofocus></label>
              <label>{Page.E(page.Text["Password"])} <input name="password" type="password" autocomplete="current-password" required maxlength="{MaxPassword}"></label>
              <button type="submit">{Page.E(page.Text["SignIn"])}</button>
            </form>
            """);

    private static IResult SecondFactorPage(Page page, string returnUrl, string? error) =>
        page.Render(page.Text["SecondFactorTitle"], $"""
            {Page.Error(error)}
            <p>{Page.E(page.Text["SecondFactorPrompt"])}</p>
            <form method="post" action="/account/2fa">
              {page.Antiforgery()}
              <input type="hidden" name="returnUrl" value="{Page.E(returnUrl)}">
              <label>{Page.E(page.Text["Code"])} <input name="code" autocomplete="one-time-code" required maxlength="{MaxCode}" autofocus></label>
              <button type="submit">{Page.E(page.Text["Verify"])}</button>
            </form>
            """);
}
