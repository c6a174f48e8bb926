using System.Text.Json;
using System.Text.RegularExpressions;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Playwright;

namespace LiaisonNet.Browser.Tests;

/// <summary>The workspace each user gets: their language, their role's screens, urgent items first, drafts that survive.</summary>
public sealed partial class WorkspaceTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public async Task ThePageSpeaksRussianWhenTheBrowserPrefersItAndRemembersTheUsersChoice()
    {
        var page = await SignedInPageAsync("khodjaev", "ru-RU");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ru");
        await Assertions.Expect(page.Locator("#inbox-title")).ToHaveTextAsync("Входящие");
        await Assertions.Expect(page.Locator("#search-title")).ToHaveTextAsync("Справочник");
        await Assertions.Expect(page.Locator("#compose-title")).ToHaveTextAsync("Новое сообщение");
        await Assertions.Expect(page.GetByTestId("send")).ToHaveTextAsync("Отправить");
        await Assertions.Expect(page.GetByTestId("signout")).ToHaveTextAsync("Выйти");
        await Assertions.Expect(page.GetByTestId("connection-status")).ToHaveTextAsync("Подключено", new() { Timeout = 15_000 });

        // Every other screen speaks Russian too: the desk board and Sent of an officer on a roster, the auditor's trail,
        // the administrator's workspace.
        var officer = await SignedInPageAsync("sattarkhanov", "ru-RU");
        await Assertions.Expect(officer.Locator("#sent-title")).ToHaveTextAsync("Отправленные");
        await Assertions.Expect(officer.Locator("#desks-title")).ToHaveTextAsync("Дежурство", new() { Timeout = 15_000 });
        await Assertions.Expect(officer.GetByTestId("desk-board").First).ToContainTextAsync("дежурит", new() { Timeout = 15_000 });
        var auditor = await SignedInPageAsync("omarova", "ru-RU");
        await Assertions.Expect(auditor.Locator("#audit-title")).ToHaveTextAsync("Журнал аудита");
        await Assertions.Expect(auditor.GetByTestId("trail-show")).ToHaveTextAsync("Показать журнал");
        var administrator = await SignedInPageAsync("abenov", "ru-RU");
        await Assertions.Expect(administrator.Locator("#admin-title")).ToHaveTextAsync("Администрирование");
        await Assertions.Expect(administrator.GetByTestId("import-check")).ToHaveTextAsync("Проверить файл");
        foreach (var screen in new[] { officer, auditor, administrator })
        {
            // No catalogue key left untranslated on the screen (a missing key would show as the key itself).
            Assert.DoesNotMatch(new Regex(@"\b(app|inbox|compose|search|sent|desk|audit|admin|card|filter)\.[a-z]"), await screen.Locator("main").InnerTextAsync());
        }

        // Switched by the user, and remembered across reloads whatever the browser prefers.
        await page.GetByTestId("language").SelectOptionAsync("en");
        await Assertions.Expect(page.Locator("#inbox-title")).ToHaveTextAsync("Inbox", new() { Timeout = 15_000 });
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#inbox-title")).ToHaveTextAsync("Inbox", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
    }

    [Fact]
    public void TheCataloguesHaveTheSameKeysAndTheRussianOneHoldsNoEnglish()
    {
        var english = Catalogue("en");
        var russian = Catalogue("ru");
        // Plural forms differ by language (Russian has one, few, many, other): compare what is being said.
        Assert.Equal(english.Keys.Select(BaseKey).ToHashSet(), russian.Keys.Select(BaseKey).ToHashSet());
        foreach (var (key, text) in russian)
        {
            // The product's name and the file formats' are the same in every language.
            var words = new[] { "LiaisonNet", "CSV", "JSON" }.Aggregate(Placeholders().Replace(text, string.Empty), (rest, name) => rest.Replace(name, string.Empty, StringComparison.Ordinal));
            Assert.False(LatinWord().IsMatch(words), $"ru.json {key} holds Latin words: '{text}'");
            Assert.True(!words.Any(char.IsLetter) || words.Any(c => c is >= 'А' and <= 'я' or 'ё' or 'Ё'), $"ru.json {key} is not Russian: '{text}'");
        }
    }

    [Fact]
    public async Task AnAuditorGetsNoComposeAndNoWayToAddRecipients()
    {
        var page = await SignedInPageAsync("omarova");
        await Assertions.Expect(page.Locator("#inbox-title")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("send")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#compose-title")).ToHaveCountAsync(0);
        await page.GetByTestId("search-input").FillAsync("Sattarkhanov");
        await Assertions.Expect(page.GetByTestId("search-result").First).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("add-recipient")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AnUnacknowledgedFlashStaysOnTopAndTheTabCountsItEvenOnAPhone()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var flash = await SendAsync(sender, Precedence.Flash, "Stop the convoy at km 12");
        await SendAsync(sender, Precedence.Routine, "Monthly statistics");
        await SendAsync(sender, Precedence.Priority, "Shift plan for next week");

        // 390 × 844: the inbox is the first thing shown, the FLASH at its top without scrolling.
        var page = await SignedInPageAsync("zhaksylykova", "en-GB", new ViewportSize { Width = 390, Height = 844 });
        var first = page.GetByTestId("inbox-item").First;
        await Assertions.Expect(first).ToHaveAttributeAsync("data-message-id", flash, new() { Timeout = 15_000 });
        var box = await first.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.Y + Math.Min(box.Height, 80) <= 844, $"the FLASH starts at y = {box.Y}, below the screen");
        var inboxTop = (await page.Locator("#inbox-title").BoundingBoxAsync())!.Y;
        var searchTop = (await page.Locator("#search-title").BoundingBoxAsync())!.Y;
        Assert.True(inboxTop < searchTop, $"the inbox (y = {inboxTop}) does not come before the directory (y = {searchTop})");
        await Assertions.Expect(page.GetByTestId("send")).Not.ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveTitleAsync(new Regex(@"^\(1\) LiaisonNet$"), new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("link[rel=icon]")).ToHaveAttributeAsync("data-count", "1");

        // A ROUTINE arriving later goes below it; acknowledging the FLASH clears the tab's count.
        await SendAsync(sender, Precedence.Routine, "Later routine note");
        await Assertions.Expect(page.GetByTestId("inbox-item").Nth(1)).ToContainTextAsync("Later routine note", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("inbox-item").First).ToHaveAttributeAsync("data-message-id", flash);
        await first.GetByTestId("ack").ClickAsync();
        await Assertions.Expect(page).ToHaveTitleAsync("LiaisonNet", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("link[rel=icon]")).ToHaveAttributeAsync("data-count", "0");

        // On a phone the form opens on demand.
        await page.GetByTestId("compose-toggle").ClickAsync();
        await Assertions.Expect(page.GetByTestId("send")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AnUnsentDraftSurvivesAReloadAndIsSentOnce()
    {
        var page = await SignedInPageAsync("asanov");
        await page.GetByTestId("search-input").FillAsync("Rahimov");
        await page.GetByTestId("search-result").First.GetByTestId("add-recipient").ClickAsync();
        await page.GetByTestId("precedence").SelectOptionAsync("IMMEDIATE");
        var subject = $"Draft {Guid.NewGuid():n}"[..20];
        await page.GetByTestId("subject").FillAsync(subject);
        await page.GetByTestId("body").FillAsync("Текст черновика, который не должен пропасть.");

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("subject")).ToHaveValueAsync(subject, new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("body")).ToHaveValueAsync("Текст черновика, который не должен пропасть.");
        await Assertions.Expect(page.GetByTestId("precedence")).ToHaveValueAsync("IMMEDIATE");
        await Assertions.Expect(page.GetByTestId("recipient-chip")).ToHaveCountAsync(1);

        await page.GetByTestId("send").ClickAsync();
        await Assertions.Expect(page.GetByTestId("send-status")).ToContainTextAsync("Sent", new() { Timeout = 15_000 });
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("subject")).ToHaveValueAsync(string.Empty, new() { Timeout = 15_000 });

        using var recipient = await fixture.System.ClientForUserAsync("rahimov");
        var inbox = await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 });
        Assert.Single(inbox.Items, i => i.Subject == subject);
    }

    [Fact]
    public async Task TheSendersSentViewShowsDeliveredReadAcknowledgedAndTheReplyCodeWithoutAReload()
    {
        var sender = await SignedInPageAsync("sattarkhanov");

        // Sent from the sender's account (the form's extra fields come later): H2, evaluated B2.
        using var client = await fixture.System.ClientForUserAsync("sattarkhanov");
        var sent = await client.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Flash, Subject = "Convoy at Oybek",
            Body = "Прошу подтвердить досмотр.", HandlingCode = HandlingCode.H2, Evaluation = new Evaluation { SourceReliability = "B", InformationAssessment = "2" },
        });

        var officer = await SignedInPageAsync("khodjaev");
        var item = officer.GetByTestId("inbox-item").Filter(new() { HasText = "Convoy at Oybek" });
        await Assertions.Expect(item).ToBeVisibleAsync(Soon);
        await Assertions.Expect(item.GetByTestId("item-handling")).ToContainTextAsync("H2: not to be passed on");
        await Assertions.Expect(item.GetByTestId("item-evaluation")).ToContainTextAsync("B2: usually reliable source; known personally to the source");

        var receipt = sender.GetByTestId("sent-item").Filter(new() { HasText = "Convoy at Oybek" }).GetByTestId("receipt");
        await Assertions.Expect(receipt).ToHaveAttributeAsync("data-state", "delivered", new() { Timeout = 20_000 });

        await item.GetByTestId("message-open").ClickAsync();
        await Assertions.Expect(receipt).ToHaveAttributeAsync("data-state", "read", new() { Timeout = 20_000 });

        // CANTCO without a reason asks for one; WILCO acknowledges and answers.
        await item.GetByTestId("reply-cantco").ClickAsync();
        await Assertions.Expect(item.GetByTestId("reply-reason")).ToBeVisibleAsync();
        await item.GetByTestId("reply-wilco").ClickAsync();
        await Assertions.Expect(officer.GetByTestId("inbox-item").Filter(new() { HasText = "Convoy at Oybek" })).ToHaveAttributeAsync("data-acknowledged", "true", new() { Timeout = 15_000 });
        await Assertions.Expect(receipt).ToHaveAttributeAsync("data-state", "wilco", new() { Timeout = 20_000 });
        await Assertions.Expect(receipt).ToContainTextAsync("acknowledged");

        var receipts = await client.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId });
        Assert.Equal(ReplyCode.Wilco, Assert.Single(receipts.Receipts).ReplyCode);
    }

    [Fact]
    public async Task AnOfficerAddressesADeskOnDutyAndAnInformationRecipientWithEveryField()
    {
        var page = await SignedInPageAsync("sattarkhanov");
        await page.GetByTestId("search-input").FillAsync("Dostuk");
        var desk = page.GetByTestId("desk-result").Filter(new() { HasText = "Dostuk crossing point duty desk" });
        await Assertions.Expect(desk).ToBeVisibleAsync(Soon);
        await Assertions.Expect(desk.GetByTestId("on-duty")).ToContainTextAsync("on duty: ");
        await Assertions.Expect(desk.GetByTestId("on-duty")).ToContainTextAsync("Asia/Bishkek");
        await desk.GetByTestId("add-recipient").ClickAsync();

        await page.GetByTestId("search-input").FillAsync("Ходжаев");
        await page.GetByTestId("search-result").Filter(new() { HasText = "Ходжаев" }).GetByTestId("add-recipient").ClickAsync();
        var informed = page.GetByTestId("recipient-chip").Filter(new() { HasText = "Ходжаев" });
        await informed.GetByTestId("recipient-role").ClickAsync();
        await Assertions.Expect(informed).ToHaveAttributeAsync("data-role", "information");

        var subject = $"Desk notice {Guid.NewGuid():n}"[..24];
        await page.GetByTestId("precedence").SelectOptionAsync("IMMEDIATE");
        await page.GetByTestId("handling").SelectOptionAsync("H2");
        await page.GetByTestId("source").SelectOptionAsync("B");
        await page.GetByTestId("assessment").SelectOptionAsync("2");
        await page.GetByTestId("case").FillAsync("KZ-2026-0501");
        await page.GetByTestId("subject").FillAsync(subject);
        await page.GetByTestId("body").FillAsync("Колонна грузовиков направляется к посту Достук.");
        await page.GetByTestId("send").ClickAsync();
        await Assertions.Expect(page.GetByTestId("send-status")).ToContainTextAsync("Sent", new() { Timeout = 15_000 });

        var sent = page.GetByTestId("sent-item").Filter(new() { HasText = subject });
        await Assertions.Expect(sent.GetByTestId("receipt")).ToHaveCountAsync(2, new() { Timeout = 20_000 });
        await Assertions.Expect(sent.GetByTestId("receipt").Filter(new() { HasText = "via desk kg-bs-dostuk-desk" })).ToHaveCountAsync(1);

        using var informedOfficer = await fixture.System.ClientForUserAsync("khodjaev");
        var item = Assert.Single((await informedOfficer.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items, i => i.Subject == subject);
        Assert.Equal((RecipientRole.Information, HandlingCode.H2, "B", "2", "KZ-2026-0501"),
            (item.Role, item.HandlingCode, item.Evaluation.SourceReliability, item.Evaluation.InformationAssessment, item.CaseId));
    }

    [Fact]
    public async Task AnOfficerOnTheRosterSeesTheDesksFlashOnTheDeskBoardAndAcknowledgesForTheDesk()
    {
        using var sender = await fixture.System.ClientForUserAsync("khodjaev");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "desk:kz-bs-khorgos-desk" }, Precedence = Precedence.Flash, Subject = "Vehicle at Khorgos",
        });

        var page = await SignedInPageAsync("sattarkhanov");
        var board = page.GetByTestId("desk-board").Filter(new() { HasText = "Khorgos JBCC border desk" });
        await Assertions.Expect(board).ToBeVisibleAsync(Soon);
        await Assertions.Expect(board.GetByTestId("desk-duty")).ToContainTextAsync("Asia/Almaty");
        // Who takes over at the next shift change, and when: the shift after this one starts as this one ends.
        var desk = await sender.Directory.GetDeskAsync(new LiaisonNet.Protos.Directory.V1.GetDeskRequest { Id = "kz-bs-khorgos-desk" });
        Assert.Equal(desk.OnDuty.ShiftEnds, desk.OnDuty.NextStarts);
        Assert.Equal(desk.OnDuty.Backup.Id, desk.OnDuty.NextPrimary.Id);
        await Assertions.Expect(board.GetByTestId("desk-next")).ToContainTextAsync(desk.OnDuty.NextPrimary.DisplayName);
        await Assertions.Expect(board.GetByTestId("desk-next")).ToContainTextAsync("Asia/Almaty");
        var item = board.GetByTestId("desk-item").First;
        await Assertions.Expect(item).ToHaveAttributeAsync("data-message-id", sent.MessageId);
        await item.GetByTestId("desk-ack").ClickAsync();
        await Assertions.Expect(board.Locator($"[data-message-id='{sent.MessageId}']")).ToHaveCountAsync(0, new() { Timeout = 15_000 });

        var receipt = Assert.Single((await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId })).Receipts);
        Assert.Equal(("kz-bs-khorgos-desk", "kz-bs-sattarkhanov"), (receipt.ViaDesk, receipt.AcknowledgedBy));

        // Someone who staffs no desk (the customs officer is on no roster) sees no desk board.
        var other = await SignedInPageAsync("zhaksylykova");
        await Assertions.Expect(other.Locator("#inbox-title")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(other.GetByTestId("desk-board")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AnH2ForwardOutsideTheAgencyIsRefusedUntilTheOriginatorGrantsItInTheirBrowser()
    {
        using var originatorClient = await fixture.System.ClientForUserAsync("khodjaev");
        var subject = $"H2 source report {Guid.NewGuid():n}"[..28];
        await originatorClient.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Priority, Subject = subject,
            HandlingCode = HandlingCode.H2,
        });

        var holder = await SignedInPageAsync("sattarkhanov");
        var item = holder.GetByTestId("inbox-item").Filter(new() { HasText = subject });
        await Assertions.Expect(item).ToBeVisibleAsync(Soon);
        await item.GetByTestId("forward-open").ClickAsync();
        await item.GetByTestId("forward-to").FillAsync("tj-dca-rahimov");
        await item.GetByTestId("forward-send").ClickAsync();
        await Assertions.Expect(item.GetByTestId("forward-status")).ToContainTextAsync("originator's permission", new() { Timeout = 15_000 });
        await item.GetByTestId("forward-ask").ClickAsync();
        await Assertions.Expect(item.GetByTestId("forward-status")).ToContainTextAsync("Asked", new() { Timeout = 15_000 });

        // The originator grants it in their own browser.
        var originator = await SignedInPageAsync("khodjaev");
        var request = originator.GetByTestId("sent-item").Filter(new() { HasText = subject }).GetByTestId("permission");
        await Assertions.Expect(request).ToHaveAttributeAsync("data-status", "pending", new() { Timeout = 20_000 });
        await request.GetByTestId("permission-grant").ClickAsync();
        await Assertions.Expect(request).ToHaveAttributeAsync("data-status", "granted", new() { Timeout = 20_000 });

        await item.GetByTestId("forward-send").ClickAsync();
        await Assertions.Expect(item.GetByTestId("forward-status")).ToContainTextAsync("Forwarded", new() { Timeout = 15_000 });
        using var rahimov = await fixture.System.ClientForUserAsync("rahimov");
        Assert.Contains((await rahimov.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items, i => i.Subject == $"Fwd: {subject}");
    }

    [Fact]
    public async Task TheAuditorVerifiesATrailInTheBrowserSeesAnAlteredEntryFailAndDownloadsABundleTheSdkVerifies()
    {
        var (page, messageId) = await TrailOfANewMessageAsync("For the trail");
        await Assertions.Expect(page.GetByTestId("trail-entry").Filter(new() { HasText = "message.sent" })).ToHaveAttributeAsync("data-verified", "true");
        await Assertions.Expect(page.GetByTestId("trail-entry").Filter(new() { HasText = "message.sent" })).ToContainTextAsync("kz-bs-sattarkhanov");

        // A checkpoint kept in the browser; the log still extends it.
        await page.GetByTestId("checkpoint-save").ClickAsync();
        await page.GetByTestId("checkpoint-check").ClickAsync();
        await Assertions.Expect(page.GetByTestId("consistency-status")).ToHaveAttributeAsync("data-consistent", "true", new() { Timeout = 15_000 });

        // The bundle downloads as a file, and the SDK's offline verifier accepts it.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("trail-download").ClickAsync());
        var file = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():n}.bundle");
        await download.SaveAsAsync(file);
        var bundle = LiaisonNet.Protos.Audit.V1.AuditBundle.Parser.ParseFrom(await File.ReadAllBytesAsync(file));
        var verified = LiaisonNet.Client.Audit.AuditBundleVerifier.Verify(bundle);
        Assert.True(verified.Valid, verified.Detail);
        Assert.Contains(bundle.Entries, e => e.Entry.Event.Action == "message.sent");

        // The stored bytes of the sent event altered behind the service's back: the browser shows it failing.
        await AlterLoggedEventAsync("message.sent", messageId);
        await page.GetByTestId("trail-show").ClickAsync();
        await Assertions.Expect(page.GetByTestId("trail-verdict")).ToHaveAttributeAsync("data-verified", "false", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("trail-entry").Filter(new() { HasText = "message.sent" })).ToHaveAttributeAsync("data-verified", "false");
    }

    /// <summary>
    /// A message sent by an officer, its "sent" event in the log, and the auditor's page showing its trail, every entry
    /// verified in the browser.
    /// </summary>
    private async Task<(IPage Page, string MessageId)> TrailOfANewMessageAsync(string subject)
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Immediate, Subject = subject,
        });
        using var auditor = await fixture.System.ClientForUserAsync("omarova");
        await LiaisonNet.TestKit.Expect.TrailAsync(auditor, sent.MessageId, "message.sent");

        var page = await SignedInPageAsync("omarova");
        await page.GetByTestId("trail-object").FillAsync(sent.MessageId);
        await page.GetByTestId("trail-show").ClickAsync();
        await Assertions.Expect(page.GetByTestId("trail-verdict")).ToHaveAttributeAsync("data-verified", "true", new() { Timeout = 15_000 });
        return (page, sent.MessageId);
    }

    /// <summary>Changes one letter of an event's logged data in the audit database, leaving its leaf hash as it was.</summary>
    private async Task AlterLoggedEventAsync(string action, string objectId)
    {
        await using var db = await fixture.System.DatabaseOf(LiaisonNet.ServiceDefaults.Hosting.ServiceKind.Audit).OpenAsync();
        await using var find = db.Command("SELECT idx, data FROM entries");
        long? index = null;
        byte[]? altered = null;
        await using (var reader = await find.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var data = (byte[])reader[1];
                var e = LiaisonNet.Protos.Audit.V1.AuditEvent.Parser.ParseFrom(data);
                if (e.Action == action && e.ObjectId == objectId)
                {
                    var at = data.AsSpan().IndexOf("sattarkhanov"u8);
                    data[at] = (byte)'S';
                    (index, altered) = (reader.GetInt64(0), data);
                }
            }
        }

        Assert.NotNull(index);
        await using var update = db.Command("UPDATE entries SET data = @data WHERE idx = @idx", null, ("@data", altered), ("@idx", index));
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task EveryScreenHasNoSeriousOrCriticalAccessibilityViolationAndNothingBreaksThePagesSecurityPolicy()
    {
        var context = await fixture.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB" });
        var signedOut = await context.NewPageAsync();
        await signedOut.GotoAsync(fixture.System.Urls.Gateway + "/");
        await Assertions.Expect(signedOut.GetByTestId("signin")).ToBeVisibleAsync(Soon);
        await Accessibility.AssertNoSeriousViolationsAsync(signedOut, "signed out");

        // The watch sees a refusal: an image from another origin, which the gateway's policy does not allow.
        await signedOut.EvaluateAsync("() => document.body.insertAdjacentHTML('beforeend', '<img alt=\"\" src=\"http://192.0.2.1/probe.png\">')");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!fixture.CspViolations.Any(v => v.Contains("192.0.2.1", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(fixture.CspViolations, v => v.Contains("192.0.2.1", StringComparison.Ordinal));
        fixture.CspViolations.Clear();
        await signedOut.ReloadAsync();

        // An item of every precedence on the screen, so that each badge's colours are checked whatever ran before.
        using var khodjaev = await fixture.System.ClientForUserAsync("khodjaev");
        foreach (var precedence in new[] { Precedence.Routine, Precedence.Priority, Precedence.Immediate, Precedence.Flash })
        {
            await khodjaev.Relay.SendMessageAsync(new SendMessageRequest
            {
                ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = precedence, Subject = $"Accessible {precedence}",
                HandlingCode = HandlingCode.H2, Evaluation = new Evaluation { SourceReliability = "A", InformationAssessment = "1" },
            });
        }

        var officer = await SignedInPageAsync("sattarkhanov");
        foreach (var precedence in new[] { "routine", "priority", "immediate", "flash" })
        {
            await Assertions.Expect(officer.Locator($"[data-testid=inbox-item] .badge.prec-{precedence}").First).ToBeVisibleAsync(Soon);
        }

        await officer.GetByTestId("search-input").FillAsync("Dostuk");
        await Assertions.Expect(officer.GetByTestId("desk-result").First).ToBeVisibleAsync(Soon);
        await officer.GetByTestId("inbox-item").First.GetByTestId("message-open").ClickAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(officer, "officer workspace");

        var russian = await SignedInPageAsync("khodjaev", "ru-RU");
        await Assertions.Expect(russian.Locator("#inbox-title")).ToHaveTextAsync("Входящие");
        await Accessibility.AssertNoSeriousViolationsAsync(russian, "officer workspace in Russian");

        var phone = await SignedInPageAsync("zhaksylykova", "en-GB", new ViewportSize { Width = 390, Height = 844 });
        await Assertions.Expect(phone.Locator("#inbox-title")).ToBeVisibleAsync(Soon);
        await Accessibility.AssertNoSeriousViolationsAsync(phone, "phone");

        var auditor = await SignedInPageAsync("omarova");
        await auditor.GetByTestId("trail-agency").FillAsync("KZ-BS");
        await auditor.GetByTestId("trail-show").ClickAsync();
        await Assertions.Expect(auditor.GetByTestId("trail-verdict")).ToHaveAttributeAsync("data-verified", "true", new() { Timeout = 15_000 });
        await Accessibility.AssertNoSeriousViolationsAsync(auditor, "audit trail");

        var administrator = await SignedInPageAsync("abenov");
        await administrator.GetByTestId("edit-id").FillAsync("kz-bs-qasymov");
        await administrator.GetByTestId("edit-load").ClickAsync();
        await Assertions.Expect(administrator.GetByTestId("history-version").First).ToBeVisibleAsync(Soon);
        await Assertions.Expect(administrator.GetByTestId("account").First).ToBeVisibleAsync(Soon);
        // Every form of the screen open: the desk with its roster, and one account's roles and desks.
        await administrator.GetByTestId("desk-edit-id").FillAsync("kz-bs-khorgos-desk");
        await administrator.GetByTestId("desk-edit-load").ClickAsync();
        await Assertions.Expect(administrator.GetByTestId("shift").First).ToBeVisibleAsync(Soon);
        await administrator.GetByTestId("account-access").First.ClickAsync();
        await Assertions.Expect(administrator.GetByTestId("access-form")).ToBeVisibleAsync(Soon);
        await Accessibility.AssertNoSeriousViolationsAsync(administrator, "administration");

        // Every screen above and the identity server's sign-in pages on the way: the browser refused nothing under their
        // Content-Security-Policy.
        Assert.True(fixture.CspViolations.IsEmpty, string.Join(Environment.NewLine, fixture.CspViolations));
    }

    [Fact]
    public async Task TheOfficerCardShowsRestrictedFieldsOnlyWhereAllowedAndFiltersNarrowTheSearch()
    {
        var insider = await SignedInPageAsync("sattarkhanov");
        await Assertions.Expect(insider.GetByTestId("second-factor")).ToHaveAttributeAsync("href", new Regex("/account/security$"));
        await insider.GetByTestId("search-input").FillAsync("Qasymov");
        var result = insider.GetByTestId("search-result").Filter(new() { HasText = "Қасымов" });
        await Assertions.Expect(result).ToBeVisibleAsync(Soon);
        await result.GetByTestId("card-open").ClickAsync();
        await Assertions.Expect(result.GetByTestId("officer-card")).ToContainTextAsync("+7 7252 40 22 17", new() { Timeout = 15_000 });
        await Assertions.Expect(result.GetByTestId("officer-card")).ToContainTextAsync("Turkistan Regional Border Directorate");

        var outsider = await SignedInPageAsync("khodjaev");
        await outsider.GetByTestId("search-input").FillAsync("Qasymov");
        var foreign = outsider.GetByTestId("search-result").Filter(new() { HasText = "Қасымов" });
        await Assertions.Expect(foreign).ToBeVisibleAsync(Soon);
        await foreign.GetByTestId("card-open").ClickAsync();
        await Assertions.Expect(foreign.GetByTestId("officer-card")).ToContainTextAsync("Also seen as", new() { Timeout = 15_000 });
        await Assertions.Expect(foreign.GetByTestId("officer-card")).Not.ToContainTextAsync("7252");
        await Assertions.Expect(foreign.GetByTestId("officer-card")).Not.ToContainTextAsync("Turkistan Regional");

        // A filter narrows the same query: Uzbek officers only.
        await outsider.GetByTestId("search-input").FillAsync("customs");
        await Assertions.Expect(outsider.GetByTestId("search-result").Filter(new() { HasText = "Zhaksylykova" })).ToBeVisibleAsync(Soon);
        await outsider.GetByTestId("filter-country").SelectOptionAsync("UZ");
        await Assertions.Expect(outsider.GetByTestId("search-result").Filter(new() { HasText = "Zhaksylykova" })).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await Assertions.Expect(outsider.GetByTestId("search-result").First).ToContainTextAsync("UZ");
    }

    [Fact]
    public async Task AReplyAnswersTheMessageInItsCaseAndTheThreadShowsTheCaseAlone()
    {
        using var khodjaev = await fixture.System.ClientForUserAsync("khodjaev");
        var original = await khodjaev.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Priority, Subject = "Case opening", CaseId = "UZ-2026-31",
        });
        await khodjaev.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine, Subject = "Unrelated note",
        });

        var page = await SignedInPageAsync("sattarkhanov");
        var item = page.GetByTestId("inbox-item").Filter(new() { HasText = "Case opening" });
        await Assertions.Expect(item).ToBeVisibleAsync(Soon);
        await item.GetByTestId("reply").ClickAsync();
        await Assertions.Expect(page.GetByTestId("recipient-chip")).ToHaveAttributeAsync("data-address", "uz-cus-khodjaev");
        await Assertions.Expect(page.GetByTestId("subject")).ToHaveValueAsync("Re: Case opening");
        await Assertions.Expect(page.GetByTestId("case")).ToHaveValueAsync("UZ-2026-31");
        await page.GetByTestId("body").FillAsync("Принято, работаем.");
        await page.GetByTestId("send").ClickAsync();
        await Assertions.Expect(page.GetByTestId("send-status")).ToContainTextAsync("Sent", new() { Timeout = 15_000 });

        var answer = Assert.Single((await khodjaev.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items, i => i.Subject == "Re: Case opening");
        Assert.Equal((original.MessageId, "UZ-2026-31"), (answer.InReplyTo, answer.CaseId));

        await item.GetByTestId("thread").ClickAsync();
        await Assertions.Expect(page.GetByTestId("thread-bar")).ToContainTextAsync("UZ-2026-31");
        await Assertions.Expect(page.GetByTestId("inbox-item").Filter(new() { HasText = "Unrelated note" })).ToHaveCountAsync(0);
        await page.GetByTestId("thread-close").ClickAsync();
        await Assertions.Expect(page.GetByTestId("inbox-item").Filter(new() { HasText = "Unrelated note" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task TheAdministratorPreviewsAnImportWithABadRowAppliesItOnceFixedAndGivesTheOfficerAnAccount()
    {
        const string header = "id,native_name,latin_name,rank,posting,languages";
        var bad = $"{header}\nkz-bs-nurlanov,Нұрланов Ерболат,Nurlanov Yerbolat,Captain,Khorgos JBCC,kk:native\nkz-bs-broken,,Broken Row,Major,Astana,ru:expert\n";
        var page = await SignedInPageAsync("abenov");
        await Assertions.Expect(page.Locator("#admin-title")).ToBeVisibleAsync(Soon);
        await page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = "officers.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(bad) });
        await page.GetByTestId("import-check").ClickAsync();
        await Assertions.Expect(page.GetByTestId("import-error").Filter(new() { HasText = "native_name" })).ToHaveAttributeAsync("data-line", "3", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("import-error").Filter(new() { HasText = "languages" })).ToHaveAttributeAsync("data-line", "3");
        await Assertions.Expect(page.GetByTestId("import-apply")).ToBeDisabledAsync();
        using var admin = await fixture.System.ClientForUserAsync("abenov");
        Assert.Equal(Grpc.Core.StatusCode.NotFound, (await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            admin.Directory.GetOfficerAsync(new LiaisonNet.Protos.Directory.V1.GetOfficerRequest { Id = "kz-bs-nurlanov" }).ResponseAsync)).StatusCode);

        var good = $"{header}\nkz-bs-nurlanov,Нұрланов Ерболат,Nurlanov Yerbolat,Captain,Khorgos JBCC,kk:native\n";
        await page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = "officers.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(good) });
        await page.GetByTestId("import-check").ClickAsync();
        await Assertions.Expect(page.GetByTestId("import-apply")).ToBeEnabledAsync(new() { Timeout = 15_000 });
        await page.GetByTestId("import-apply").ClickAsync();
        await Assertions.Expect(page.GetByTestId("import-report")).ToHaveAttributeAsync("data-applied", "true", new() { Timeout = 15_000 });

        // Found in another script: the file gave the Kazakh Cyrillic and the Latin; the search is in Russian Cyrillic.
        await page.GetByTestId("search-input").FillAsync("Нурланов");
        await Assertions.Expect(page.GetByTestId("search-result").Filter(new() { HasText = "Nurlanov Yerbolat" })).ToBeVisibleAsync(Soon);

        // The new officer gets an account bound to the entry; the one-time password is shown once.
        await page.GetByTestId("new-user").FillAsync("nurlanov");
        await page.GetByTestId("new-name").FillAsync("Нұрланов Ерболат");
        await page.GetByTestId("new-id").FillAsync("kz-bs-nurlanov");
        await page.GetByTestId("new-account-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("account-status")).ToContainTextAsync("one-time password", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("account").Filter(new() { HasText = "nurlanov" })).ToHaveCountAsync(1);

        // Another agency's officer cannot be bound: the refusal names the field.
        await page.GetByTestId("new-user").FillAsync("takeover");
        await page.GetByTestId("new-id").FillAsync("tm-bs-berdiyev");
        await page.GetByTestId("new-account-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("account-status")).ToContainTextAsync("account_id", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task TheAdministratorEditsAnOfficerAgainstTheVersionReadAndSeesTheHistory()
    {
        var page = await SignedInPageAsync("abenov");
        await page.GetByTestId("edit-id").FillAsync("kz-bs-ghabdullin");
        await page.GetByTestId("edit-load").ClickAsync();
        await Assertions.Expect(page.GetByTestId("edit-rank")).ToHaveValueAsync("Lieutenant Colonel", new() { Timeout = 15_000 });

        // Someone else changes the entry meanwhile: the save is refused, not lost over theirs.
        using var admin = await fixture.System.ClientForUserAsync("abenov");
        var current = await admin.Directory.GetOfficerAsync(new LiaisonNet.Protos.Directory.V1.GetOfficerRequest { Id = "kz-bs-ghabdullin" });
        var input = new LiaisonNet.Protos.Directory.V1.OfficerInput
        {
            Id = "kz-bs-ghabdullin", NativeName = current.Summary.DisplayName, LatinName = current.Summary.LatinName, Rank = "Colonel", Posting = current.Summary.Posting,
            Unit = current.Summary.Unit, Restricted = current.Restricted,
        };
        await admin.DirectoryAdmin.PutOfficerAsync(new LiaisonNet.Protos.Directory.V1.PutOfficerRequest { Officer = input, ExpectedVersion = current.Version });

        await page.GetByTestId("edit-rank").FillAsync("Major General");
        await page.GetByTestId("edit-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("edit-status")).ToContainTextAsync("read it again", new() { Timeout = 15_000 });

        // Read again, change, save: a new version on the record, who and when.
        await page.GetByTestId("edit-load").ClickAsync();
        await Assertions.Expect(page.GetByTestId("edit-rank")).ToHaveValueAsync("Colonel", new() { Timeout = 15_000 });
        await page.GetByTestId("edit-rank").FillAsync("Major General");
        await page.GetByTestId("edit-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("edit-status")).ToHaveAttributeAsync("data-version", "3", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("history-version")).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByTestId("history-version").First).ToContainTextAsync("kz-bs-abenov");
        Assert.Equal("Major General", (await admin.Directory.GetOfficerAsync(new LiaisonNet.Protos.Directory.V1.GetOfficerRequest { Id = "kz-bs-ghabdullin" })).Summary.Rank);
    }

    private static async Task<string> SendAsync(LiaisonNet.Client.LiaisonClient sender, Precedence precedence, string subject) =>
        (await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-cus-zhaksylykova" }, Precedence = precedence, Subject = subject,
        })).MessageId;

    private static Dictionary<string, string> Catalogue(string language)
    {
        var path = Path.Combine(RepositoryRoot(), "clients", "web", "src", "messages", $"{language}.json");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))!;
    }

    private static string BaseKey(string key) => PluralSuffix().Replace(key, string.Empty);

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "LiaisonNet.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("LiaisonNet.sln not found above the test folder.");
    }

    private Task<IPage> SignedInPageAsync(string userName, string locale = "en-GB", ViewportSize? viewport = null) => fixture.SignedInPageAsync(userName, locale, viewport);

    [GeneratedRegex(@"\.(zero|one|two|few|many|other)$")]
    private static partial Regex PluralSuffix();

    [GeneratedRegex(@"\{\w+\}")]
    private static partial Regex Placeholders();

    [GeneratedRegex(@"\b[A-Za-z]{2,}\b")]
    private static partial Regex LatinWord();
}
