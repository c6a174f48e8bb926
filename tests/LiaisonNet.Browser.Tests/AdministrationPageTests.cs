using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Identity.V1;
using Microsoft.Playwright;

namespace LiaisonNet.Browser.Tests;

/// <summary>
/// The agency administrator keeps desks with their rosters, officers' names, languages and contacts, and accounts'
/// roles and desks from the page; each refusal names the field and changes nothing.
/// </summary>
public sealed partial class WorkspaceTests
{
    [Fact]
    public async Task TheAdministratorEditsADeskRosterAndARefusedShiftNamesItsFieldAndChangesNothing()
    {
        using var admin = await fixture.System.ClientForUserAsync("abenov");
        // A desk of this test's own, so that no other test's roster changes under it.
        var created = await admin.DirectoryAdmin.PutDeskAsync(new PutDeskRequest
        {
            Desk = new DeskInput
            {
                Id = "kz-bs-roster-test-desk", Name = "Roster test desk", TimeZone = "Asia/Almaty",
                Roster = { new Shift { Days = { "mon", "tue" }, Start = "08:00", End = "20:00", Primary = "kz-bs-sattarkhanov" } },
            },
        });

        var page = await SignedInPageAsync("abenov");
        await page.GetByTestId("desk-edit-id").FillAsync("kz-bs-roster-test-desk");
        await page.GetByTestId("desk-edit-load").ClickAsync();
        await Assertions.Expect(page.GetByTestId("shift")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("shift-days")).ToHaveValueAsync("mon tue");

        await page.GetByTestId("shift-add").ClickAsync();
        var added = page.GetByTestId("shift").Nth(1);
        await added.GetByTestId("shift-days").FillAsync("sat sun");
        await added.GetByTestId("shift-start").FillAsync("25:00");
        await added.GetByTestId("shift-end").FillAsync("08:00");
        await added.GetByTestId("shift-primary").FillAsync("kz-bs-qasymov");
        await page.GetByTestId("desk-edit-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("desk-edit-status")).ToContainTextAsync("roster[1].start", new() { Timeout = 15_000 });
        Assert.Equal(created.Version, (await admin.Directory.GetDeskAsync(new GetDeskRequest { Id = "kz-bs-roster-test-desk" })).Version);

        await added.GetByTestId("shift-start").FillAsync("20:00");
        await page.GetByTestId("desk-edit-name").FillAsync("Roster test desk, weekends too");
        await page.GetByTestId("desk-edit-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("desk-edit-status")).ToHaveAttributeAsync("data-version", (created.Version + 1).ToString(), new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("desk-edit-history").GetByTestId("history-version")).ToHaveCountAsync(2);

        var stored = await admin.Directory.GetDeskAsync(new GetDeskRequest { Id = "kz-bs-roster-test-desk" });
        Assert.Equal("Roster test desk, weekends too", stored.Name);
        Assert.Equal(2, stored.Roster.Count);
        Assert.Equal(["sat", "sun"], stored.Roster[1].Days);
        Assert.Equal(("20:00", "08:00", "kz-bs-qasymov"), (stored.Roster[1].Start, stored.Roster[1].End, stored.Roster[1].Primary));

        // Another agency's desk opens (the directory is shared) but is not this administrator's to change.
        var foreignVersion = (await admin.Directory.GetDeskAsync(new GetDeskRequest { Id = "uz-cus-oybek-desk" })).Version;
        await page.GetByTestId("desk-edit-id").FillAsync("uz-cus-oybek-desk");
        await page.GetByTestId("desk-edit-load").ClickAsync();
        await Assertions.Expect(page.GetByTestId("shift")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await page.GetByTestId("desk-edit-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("desk-edit-status")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("error"), new() { Timeout = 15_000 });
        Assert.Equal(foreignVersion, (await admin.Directory.GetDeskAsync(new GetDeskRequest { Id = "uz-cus-oybek-desk" })).Version);
    }

    [Fact]
    public async Task TheAdministratorEditsAnOfficersNamesLanguagesAndContacts()
    {
        using var admin = await fixture.System.ClientForUserAsync("abenov");
        await admin.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest
        {
            Officer = new OfficerInput { Id = "kz-bs-names-test", NativeName = "Серікбаев Ержан", LatinName = "Serikbayev Yerzhan", Rank = "Captain" },
        });

        var page = await SignedInPageAsync("abenov");
        await page.GetByTestId("edit-id").FillAsync("kz-bs-names-test");
        await page.GetByTestId("edit-load").ClickAsync();
        await Assertions.Expect(page.GetByTestId("edit-native-name")).ToHaveValueAsync("Серікбаев Ержан", new() { Timeout = 15_000 });

        await page.GetByTestId("edit-latin-name").FillAsync("Serikbaev Erzhan");
        await page.GetByTestId("edit-languages").FillAsync("kk native, ru fluent, en superb");
        await page.GetByTestId("edit-contacts").FillAsync("phone: +7 7282 55 01 02\nradio: Khorgos 4");
        await page.GetByTestId("edit-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("edit-status")).ToContainTextAsync("languages", new() { Timeout = 15_000 });

        await page.GetByTestId("edit-languages").FillAsync("kk native, ru fluent, en working");
        await page.GetByTestId("edit-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("edit-status")).ToHaveAttributeAsync("data-version", "2", new() { Timeout = 15_000 });

        var stored = await admin.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-names-test" });
        Assert.Equal("Serikbaev Erzhan", stored.Summary.LatinName);
        Assert.Equal(["kk:native", "ru:fluent", "en:working"], stored.LanguageSkills.Select(l => $"{l.Language}:{l.Level}"));
        Assert.Equal(["phone:+7 7282 55 01 02", "radio:Khorgos 4"], stored.Contacts.Select(c => $"{c.Kind}:{c.Value}"));
    }

    [Fact]
    public async Task TheAdministratorChangesAnAccountsRolesAndDesksButNotToAnotherAgencysDesk()
    {
        using var admin = await fixture.System.ClientForUserAsync("abenov");
        var created = await admin.Accounts.CreateAccountAsync(new CreateAccountRequest { UserName = "deskhand", DisplayName = "Desk hand", Roles = { "officer" } });

        var page = await SignedInPageAsync("abenov");
        var row = page.Locator("[data-testid=account][data-user=deskhand]");
        await row.GetByTestId("account-access").ClickAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("access-title")).ToContainTextAsync("deskhand");

        await page.GetByTestId("access-role-desk-operator").CheckAsync();
        await page.GetByTestId("access-desks").FillAsync("uz-cus-oybek-desk");
        await page.GetByTestId("access-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("account-status")).ToContainTextAsync("desks[0]", new() { Timeout = 15_000 });
        Assert.Empty((await admin.Accounts.GetAccountAsync(new AccountRef { AccountId = created.Account.Id })).Desks);

        await page.GetByTestId("access-desks").FillAsync("kz-bs-national-desk");
        await page.GetByTestId("access-save").ClickAsync();
        await Assertions.Expect(row.GetByTestId("account-desks")).ToHaveTextAsync("kz-bs-national-desk", new() { Timeout = 15_000 });
        await Assertions.Expect(row.GetByTestId("account-roles")).ToContainTextAsync("desk-operator");
        var stored = await admin.Accounts.GetAccountAsync(new AccountRef { AccountId = created.Account.Id });
        Assert.Equal(["desk-operator", "officer"], stored.Roles.Order());
        Assert.Equal(["kz-bs-national-desk"], stored.Desks);
    }
}
