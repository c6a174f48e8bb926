using System.Collections.Concurrent;
using LiaisonNet.Host;
using LiaisonNet.TestKit;
using Microsoft.Playwright;

namespace LiaisonNet.Browser.Tests;

/// <summary>The running system and one headless Chromium, shared by the tests of a class.</summary>
public class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium; <c>tests/run.sh</c> installs it when missing.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public RunningSystem System { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Settings of the system under test; a fixture for a particular journey changes them.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run tests/run.sh, which installs Debian's chromium package.");
        }

        System = await RunningSystem.StartAsync(Settings);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    /// <summary>
    /// What the browser refused under a page's Content-Security-Policy, in every context this fixture opened (Chromium
    /// says so on the console: "Refused to ... because it violates the following Content Security Policy directive").
    /// </summary>
    public ConcurrentQueue<string> CspViolations { get; } = new();

    /// <summary>A fresh browser context whose pages' policy violations are collected in <see cref="CspViolations"/>.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        context.Page += (_, page) => page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                CspViolations.Enqueue($"{page.Url}: {message.Text}");
            }
        };
        return context;
    }

    /// <summary>Opens the page in a fresh browser context (its language and screen) and signs in through the identity server's own form.</summary>
    public async Task<IPage> SignedInPageAsync(string userName, string locale = "en-GB", ViewportSize? viewport = null)
    {
        var context = await NewContextAsync(new BrowserNewContextOptions { Locale = locale, ViewportSize = viewport ?? new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(System.Urls.Gateway + "/");
        await page.GetByTestId("signin").ClickAsync();
        await page.Locator("input[name=userName]").FillAsync(userName);
        await page.Locator("input[name=password]").FillAsync(HostSecrets.DemoPassword);
        await page.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.GetByTestId("me")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (System is not null)
        {
            await System.DisposeAsync();
        }
    }
}
