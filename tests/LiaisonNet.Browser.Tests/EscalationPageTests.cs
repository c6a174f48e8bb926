using LiaisonNet.Protos.Relay.V1;
using Microsoft.Playwright;

namespace LiaisonNet.Browser.Tests;

/// <summary>A system whose FLASH deadline is 3 seconds, so that an unacknowledged desk message escalates while a test watches.</summary>
public sealed class ShortDeadlineFixture : BrowserFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Relay:Deadlines:Flash"] = "00:00:03" };
}

public sealed class EscalationPageTests(ShortDeadlineFixture fixture) : IClassFixture<ShortDeadlineFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public async Task ADeskThatDoesNotAcknowledgeShowsTheEscalationToTheSenderAndToTheDesksStaff()
    {
        using var client = await fixture.System.ClientForUserAsync("khodjaev");
        var sender = await SignedInPageAsync("khodjaev");
        var staff = await SignedInPageAsync("sattarkhanov");
        var sent = await client.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "desk:kz-bs-khorgos-desk" }, Precedence = Precedence.Flash, Subject = "Nobody answers",
        });

        // The desk's primary, then its backup, then its supervisor: each a receipt through the desk in the sender's view.
        var receipts = sender.GetByTestId("sent-item").Filter(new() { HasText = "Nobody answers" }).GetByTestId("receipt");
        await Assertions.Expect(receipts).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        await Assertions.Expect(receipts.Filter(new() { HasText = "kz-bs-ghabdullin" })).ToContainTextAsync("via desk kz-bs-khorgos-desk");

        // The staff's desk board shows where the escalation stands.
        var item = staff.GetByTestId("desk-board").Filter(new() { HasText = "Khorgos JBCC border desk" }).Locator($"[data-message-id='{sent.MessageId}']");
        await Assertions.Expect(item.GetByTestId("escalation")).ToContainTextAsync("kz-bs-ghabdullin", new() { Timeout = 30_000 });
        await Assertions.Expect(item.GetByTestId("escalation")).ToContainTextAsync("kz-bs-qasymov");
    }

    private Task<IPage> SignedInPageAsync(string userName) => fixture.SignedInPageAsync(userName);
}
