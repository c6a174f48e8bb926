using Microsoft.Playwright;

namespace LiaisonNet.Browser.Tests;

/// <summary>The web page as officers use it: two officers in two browser sessions, each signed in through the identity server's page.</summary>
public sealed class WebPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public async Task OfficerSearchesAcrossScriptsSendsFlashAndTheRecipientsInboxUpdatesWithoutReload()
    {
        var recipient = await SignedInPageAsync("khodjaev");
        await Assertions.Expect(recipient.GetByTestId("connection-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        var inboxBefore = await recipient.GetByTestId("inbox-item").CountAsync();

        var sender = await SignedInPageAsync("sattarkhanov");
        await Assertions.Expect(sender.GetByTestId("me")).ToContainTextAsync("KZ-BS");

        // A spelling on no record: the Uzbek officer is Ходжаев / Khodjaev.
        await sender.GetByTestId("search-input").FillAsync("Khodzhaev");
        var result = sender.GetByTestId("search-result").Filter(new() { HasText = "Ходжаев" });
        await Assertions.Expect(result).ToBeVisibleAsync(Soon);
        await result.GetByTestId("add-recipient").ClickAsync();
        await Assertions.Expect(sender.GetByTestId("recipient-chip")).ToHaveCountAsync(1);

        var subject = $"Vehicle KZ 123 ABC at Zhibek Zholy {Guid.NewGuid():n}"[..60];
        await sender.GetByTestId("precedence").SelectOptionAsync("FLASH");
        await sender.GetByTestId("subject").FillAsync(subject);
        await sender.GetByTestId("body").FillAsync("Грузовик направляется к посту Гишткуприк, прошу досмотреть.");
        await sender.GetByTestId("send").ClickAsync();
        await Assertions.Expect(sender.GetByTestId("send-status")).ToContainTextAsync("Sent", new() { Timeout = 15_000 });

        // Pushed over SignalR: the recipient's page was not reloaded.
        var item = recipient.GetByTestId("inbox-item").Filter(new() { HasText = subject });
        await Assertions.Expect(item).ToBeVisibleAsync(Soon);
        await Assertions.Expect(recipient.GetByTestId("inbox-item")).ToHaveCountAsync(inboxBefore + 1);
        await Assertions.Expect(item).ToContainTextAsync("FLASH");

        await item.GetByTestId("ack").ClickAsync();
        await Assertions.Expect(item).ToHaveAttributeAsync("data-acknowledged", "true", new() { Timeout = 15_000 });

        // The acknowledgement is stored, not just drawn: a fresh load shows it.
        await recipient.ReloadAsync();
        var reloaded = recipient.GetByTestId("inbox-item").Filter(new() { HasText = subject });
        await Assertions.Expect(reloaded).ToHaveAttributeAsync("data-acknowledged", "true", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task InvalidSendShowsTheFieldErrorAndKeepsTheDraft()
    {
        var page = await SignedInPageAsync("asanov");
        await page.GetByTestId("search-input").FillAsync("Rahimov");
        var result = page.GetByTestId("search-result").First;
        await Assertions.Expect(result).ToBeVisibleAsync(Soon);
        await result.GetByTestId("add-recipient").ClickAsync();

        // Longer than the relay accepts: the refusal comes from the server, as ProblemDetails naming the field.
        await page.GetByTestId("subject").FillAsync(new string('S', 250));
        await page.GetByTestId("body").FillAsync("Draft that must survive the refusal.");
        await page.GetByTestId("send").ClickAsync();

        await Assertions.Expect(page.GetByTestId("error-subject")).Not.ToBeEmptyAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("body")).ToHaveValueAsync("Draft that must survive the refusal.");
    }

    [Fact]
    public async Task SignOutEndsTheGatewayAndIdentitySessionsSoTheNextSignInAsksForThePassword()
    {
        var page = await SignedInPageAsync("rahimov");
        await page.GetByTestId("signout").ClickAsync();
        await Assertions.Expect(page.GetByTestId("signin")).ToBeVisibleAsync(Soon);

        var status = await page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status");
        Assert.Equal(401, status);

        // The identity server's session ended too: signing in again shows its password form, not an instant sign-in.
        await page.GetByTestId("signin").ClickAsync();
        await Assertions.Expect(page.Locator("input[name=password]")).ToBeVisibleAsync(Soon);
    }

    private Task<IPage> SignedInPageAsync(string userName) => fixture.SignedInPageAsync(userName);
}
