using LiaisonNet.Client;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.Identity.Tests;

public sealed class SecondFactorAndLockoutTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task OfficerEnrolsTotpThenSignsInWithACodeOrARecoveryCodeOnce()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var account = await admin.Accounts.CreateAccountAsync(new CreateAccountRequest { UserName = "kz.totp", DisplayName = "Totp Officer", Roles = { "officer" } });

        // Enrolment: the security page shows a QR code and the key; a code from the authenticator turns it on.
        using var enrol = new FormBrowser();
        var security = await enrol.SignInAsync(await enrol.GetAsync(new Uri(System.Urls.Issuer, "account/security")), "kz.totp", account.InitialPassword);
        Assert.Contains("src=\"data:image/png;base64,", security.Html, StringComparison.Ordinal);
        var key = Assert.Single(security.Marked("data-authenticator-key"));
        var wrong = await enrol.SubmitAsync(security, "/account/security/enable", new Dictionary<string, string> { ["code"] = "000000" });
        Assert.NotNull(wrong.Error);
        var enrolledAt = DateTimeOffset.UtcNow;
        var enrolmentCode = Totp.Code(key, enrolledAt);
        var codesPage = await enrol.SubmitAsync(wrong, "/account/security/enable", new Dictionary<string, string> { ["code"] = enrolmentCode });
        var recoveryCodes = codesPage.Marked("data-recovery-code");
        Assert.Equal(10, recoveryCodes.Count);
        Assert.True((await admin.Accounts.GetAccountAsync(new AccountRef { AccountId = account.Account.Id })).SecondFactorEnabled);

        // The password alone no longer completes a sign-in.
        var oidc = new OidcSignIn(System.Urls);
        await Assert.ThrowsAsync<InvalidOperationException>(() => oidc.TokensForAsync("kz.totp", account.InitialPassword));

        // The next step's code (or the current one, if the clock has moved on since the enrolment).
        var next = Totp.Code(key, Later(DateTimeOffset.UtcNow, enrolledAt.AddSeconds(30)));
        using (var browser = new FormBrowser())
        {
            var request = oidc.Begin();
            var second = await browser.SignInAsync(await browser.GetAsync(request.Url), "kz.totp", account.InitialPassword, OidcSignIn.IsCallback);
            Assert.Contains("name=\"code\"", second.Html, StringComparison.Ordinal);
            var refused = await browser.SubmitAsync(second, "/account/2fa", new Dictionary<string, string> { ["code"] = "123456" }, OidcSignIn.IsCallback);
            Assert.NotNull(refused.Error);
            // The code that turned the second factor on is spent: it does not sign in, even inside its 30 s.
            var spent = await browser.SubmitAsync(refused, "/account/2fa", new Dictionary<string, string> { ["code"] = enrolmentCode }, OidcSignIn.IsCallback);
            Assert.Equal("That code has been used already. Wait for the next code from your authenticator and enter it.", spent.Error);
            var callback = await browser.SubmitAsync(spent, "/account/2fa", new Dictionary<string, string> { ["code"] = next }, OidcSignIn.IsCallback);
            Assert.NotEmpty((await oidc.ExchangeAsync(callback.Url, request)).AccessToken);
        }

        // A code that signed in once is refused to anyone who replays it (a shoulder-surfer, a captured form).
        using (var replay = new FormBrowser())
        {
            var request = oidc.Begin();
            var second = await replay.SignInAsync(await replay.GetAsync(request.Url), "kz.totp", account.InitialPassword, OidcSignIn.IsCallback);
            var refused = await replay.SubmitAsync(second, "/account/2fa", new Dictionary<string, string> { ["code"] = next }, OidcSignIn.IsCallback);
            Assert.False(OidcSignIn.IsCallback(refused.Url));
            Assert.Equal("That code has been used already. Wait for the next code from your authenticator and enter it.", refused.Error);
        }

        Assert.True(await SignInWithRecoveryCodeAsync(oidc, account.InitialPassword, recoveryCodes[3]));
        Assert.False(await SignInWithRecoveryCodeAsync(oidc, account.InitialPassword, recoveryCodes[3]));

        using var auditor = await System.ClientForUserAsync("omarova");
        var trail = await Support.TrailAsync(auditor, account.Account.Id, "account.signin.recovery_code_used");
        Assert.Contains(trail, e => e.Action == "account.second_factor.enrolled");
        Assert.Contains(trail, e => e.Action == "account.signin.second_factor_failed");
        Assert.Contains(trail, e => e.Action == "account.signin.second_factor_replayed");
        Assert.Contains(trail, e => e.Action == "account.signin.password_accepted");

        // The administrator resets the second factor (a lost phone): the password alone works again.
        await admin.Accounts.ResetSecondFactorAsync(new AccountRef { AccountId = account.Account.Id });
        Assert.NotEmpty(await oidc.AccessTokenForAsync("kz.totp", account.InitialPassword));
        await Support.TrailAsync(auditor, account.Account.Id, "account.second_factor.reset");
    }

    [Fact]
    public async Task FiveWrongPasswordsLockTheAccountEvenAgainstTheRightOneAndEachAttemptIsAudited()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var account = await admin.Accounts.CreateAccountAsync(new CreateAccountRequest { UserName = "kz.locked", DisplayName = "Locked Officer", Roles = { "officer" } });

        using var browser = new FormBrowser();
        var page = await browser.GetAsync(new Uri(System.Urls.Issuer, "account/login"));
        for (var i = 1; i <= 5; i++)
        {
            page = await browser.SignInAsync(page, "kz.locked", $"wrong-password-{i}");
            Assert.Equal(i < 5 ? "The user name or password is incorrect." : "Too many failed attempts: the account is locked for a while. Try again later or contact your agency administrator.", page.Error);
        }

        page = await browser.SignInAsync(page, "kz.locked", account.InitialPassword);
        Assert.StartsWith("Too many failed attempts", page.Error, StringComparison.Ordinal);
        Assert.NotNull((await admin.Accounts.GetAccountAsync(new AccountRef { AccountId = account.Account.Id })).LockedOutUntil);

        using var auditor = await System.ClientForUserAsync("omarova");
        var trail = await Support.TrailAsync(auditor, account.Account.Id, "account.signin.locked_out", 2);
        Assert.Equal(4, trail.Count(e => e.Action == "account.signin.failed"));
    }

    [Fact]
    public async Task PagesSpeakRussianWhenTheBrowserPrefersItAndSwitchOnRequest()
    {
        using var russian = new FormBrowser("ru-RU,ru;q=0.9,en;q=0.5");
        var page = await russian.GetAsync(new Uri(System.Urls.Issuer, "account/login"));
        Assert.Contains("<html lang=\"ru\">", page.Html, StringComparison.Ordinal);
        Assert.Contains("Вход в LiaisonNet", page.Html, StringComparison.Ordinal);
        var failed = await russian.SignInAsync(page, "sattarkhanov", "not-the-password");
        Assert.Equal("Неверное имя пользователя или пароль.", failed.Error);

        var english = await russian.GetAsync(new Uri(System.Urls.Issuer, "account/login?lang=en"));
        Assert.Contains("LiaisonNet sign-in", english.Html, StringComparison.Ordinal);
        // The choice is remembered over the browser's preference.
        var again = await russian.GetAsync(new Uri(System.Urls.Issuer, "account/login"));
        Assert.Contains("<html lang=\"en\">", again.Html, StringComparison.Ordinal);
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private async Task<bool> SignInWithRecoveryCodeAsync(OidcSignIn oidc, string password, string recoveryCode)
    {
        using var browser = new FormBrowser();
        var request = oidc.Begin();
        var second = await browser.SignInAsync(await browser.GetAsync(request.Url), "kz.totp", password, OidcSignIn.IsCallback);
        var result = await browser.SubmitAsync(second, "/account/2fa", new Dictionary<string, string> { ["code"] = recoveryCode }, OidcSignIn.IsCallback);
        return OidcSignIn.IsCallback(result.Url);
    }
}
