using LiaisonNet.Protos.Relay.V1;
using Microsoft.Playwright;

namespace LiaisonNet.Browser.Tests;

/// <summary>Everything works from the keyboard alone; the auditor's browser trusts only the checkpoint key it pinned.</summary>
public sealed partial class WorkspaceTests
{
    /// <summary>Presses Tab until the focused element satisfies <paramref name="predicate"/> (a JavaScript function of the element).</summary>
    private static async Task TabToAsync(IPage page, string predicate, int presses = 120)
    {
        for (var i = 0; i < presses; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>($"() => {{ const e = document.activeElement; return !!e && ({predicate})(e); }}"))
            {
                // What the keyboard user is on must be visible to them.
                Assert.NotEqual("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
                return;
            }
        }

        Assert.Fail($"Tab never reached an element where {predicate}.");
    }

    private static string TestId(string id) => $"e => e.dataset.testid === '{id}'";

    [Fact]
    public async Task AnOfficerFindsACounterpartSendsAFlashAndTheRecipientAcknowledgesWithTheKeyboardAlone()
    {
        var subject = $"Keyboard FLASH {Guid.NewGuid():n}"[..28];
        var sender = await SignedInPageAsync("sattarkhanov");
        await TabToAsync(sender, TestId("search-input"));
        await sender.Keyboard.TypeAsync("Khodzhaev");
        await Assertions.Expect(sender.GetByTestId("search-result").Filter(new() { HasText = "Ходжаев" })).ToBeVisibleAsync(Soon);
        await TabToAsync(sender, "e => e.dataset.testid === 'add-recipient' && e.closest('[data-testid=search-result]').textContent.includes('Ходжаев')");
        await sender.Keyboard.PressAsync("Enter");
        await Assertions.Expect(sender.GetByTestId("recipient-chip")).ToHaveCountAsync(1);

        await TabToAsync(sender, TestId("precedence"));
        for (var i = 0; i < 3; i++)
        {
            await sender.Keyboard.PressAsync("ArrowUp");
        }

        await Assertions.Expect(sender.GetByTestId("precedence")).ToHaveValueAsync("FLASH");
        await TabToAsync(sender, TestId("subject"));
        await sender.Keyboard.TypeAsync(subject);
        await TabToAsync(sender, TestId("body"));
        await sender.Keyboard.TypeAsync("Sent without a mouse.");
        await TabToAsync(sender, TestId("send"));
        await sender.Keyboard.PressAsync("Enter");
        await Assertions.Expect(sender.GetByTestId("send-status")).ToContainTextAsync("Sent", new() { Timeout = 15_000 });

        var recipient = await SignedInPageAsync("khodjaev");
        var item = recipient.GetByTestId("inbox-item").Filter(new() { HasText = subject });
        await Assertions.Expect(item).ToBeVisibleAsync(Soon);
        await TabToAsync(recipient, $"e => e.dataset.testid === 'ack' && e.closest('[data-testid=inbox-item]').textContent.includes('{subject}')");
        await recipient.Keyboard.PressAsync("Enter");
        await Assertions.Expect(item.GetByTestId("ack")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task TheAuditorsBrowserPinsTheCheckpointKeyAndFailsAnotherUntilTheAuditorTrustsIt()
    {
        // First use: the key that signed a verifying checkpoint is pinned on this device.
        var (page, _) = await TrailOfANewMessageAsync("For the pinned key");
        using var auditorClient = await fixture.System.ClientForUserAsync("omarova");
        var pinned = await page.EvaluateAsync<string>("() => localStorage.getItem('liaison.audit.keys')");
        var keyId = (await auditorClient.Audit.GetCheckpointAsync(new LiaisonNet.Protos.Audit.V1.GetCheckpointRequest())).KeyId;
        Assert.Equal($"[\"{keyId}\"]", pinned);

        // The device trusts another key (as after a server swapped its key): the same trail now fails, whatever the server says.
        await page.EvaluateAsync("() => localStorage.setItem('liaison.audit.keys', JSON.stringify(['00000000deadbeef']))");
        await page.GetByTestId("trail-show").ClickAsync();
        await Assertions.Expect(page.GetByTestId("trail-verdict")).ToHaveAttributeAsync("data-verified", "false", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("key-status")).ToContainTextAsync(keyId);
        await page.GetByTestId("checkpoint-save").ClickAsync();
        await page.GetByTestId("checkpoint-check").ClickAsync();
        await Assertions.Expect(page.GetByTestId("consistency-status")).ToHaveAttributeAsync("data-consistent", "false", new() { Timeout = 15_000 });

        // The auditor, having compared the id by another channel, trusts it.
        await page.GetByTestId("trust-key").ClickAsync();
        await Assertions.Expect(page.GetByTestId("trail-verdict")).ToHaveAttributeAsync("data-verified", "true", new() { Timeout = 15_000 });
        await page.GetByTestId("checkpoint-check").ClickAsync();
        await Assertions.Expect(page.GetByTestId("consistency-status")).ToHaveAttributeAsync("data-consistent", "true", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task TheAuditorPagesThroughALongTrailAndEveryPageVerifies()
    {
        // More events for the agency than one page holds (100).
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        string last = string.Empty;
        for (var i = 0; i < 110; i++)
        {
            last = (await sender.Relay.SendMessageAsync(new SendMessageRequest
            {
                ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-qasymov" }, Precedence = Precedence.Routine, Subject = $"Paging {i}",
            })).MessageId;
        }

        using var auditorClient = await fixture.System.ClientForUserAsync("omarova");
        await LiaisonNet.TestKit.Expect.TrailAsync(auditorClient, last, "message.sent");

        var page = await SignedInPageAsync("omarova");
        await page.GetByTestId("trail-agency").FillAsync("KZ-BS");
        await page.GetByTestId("trail-show").ClickAsync();
        await Assertions.Expect(page.GetByTestId("trail-entry")).ToHaveCountAsync(100, new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("trail-verdict")).ToHaveAttributeAsync("data-verified", "true");
        await page.GetByTestId("trail-more").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=trail-entry]').length > 100", null, new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("trail-verdict")).ToHaveAttributeAsync("data-verified", "true");

        // Pages continue one another: no entry twice, in log order.
        var indexes = await page.EvaluateAsync<long[]>("() => [...document.querySelectorAll('[data-testid=trail-entry]')].map(r => Number(r.dataset.index))");
        Assert.True(indexes.Length > 100);
        Assert.Equal(indexes.Distinct().Count(), indexes.Length);
        Assert.Equal(indexes.Order(), indexes);
    }
}
