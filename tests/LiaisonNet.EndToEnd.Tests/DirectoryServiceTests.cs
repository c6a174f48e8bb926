using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>The directory over gRPC with real tokens: visibility, administration, history, import and export, paging.</summary>
public sealed class DirectoryServiceTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task RestrictedFieldsGoToTheAgencyOrCountryPerFieldAndEveryLookUpIsAudited()
    {
        using var insider = await System.ClientForUserAsync("sattarkhanov");   // KZ-BS, the officer's own agency
        using var compatriot = await System.ClientForUserAsync("zhaksylykova"); // KZ-CUS: the same country, another agency
        using var outsider = await System.ClientForUserAsync("khodjaev");      // UZ-CUS

        var own = await insider.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-qasymov" });
        Assert.Equal("+7 7252 40 22 17", own.Restricted.PersonalPhone);
        Assert.Equal("CONFIDENTIAL", own.Restricted.Clearance);
        Assert.Equal("Turkistan Regional Border Directorate", own.Restricted.HomeUnit);

        var sameCountry = await compatriot.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-qasymov" });
        Assert.Equal(string.Empty, sameCountry.Restricted.PersonalPhone);
        Assert.Equal(string.Empty, sameCountry.Restricted.Clearance);
        Assert.Equal("Turkistan Regional Border Directorate", sameCountry.Restricted.HomeUnit);

        var foreign = await outsider.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-qasymov" });
        Assert.Null(foreign.Restricted);
        Assert.Equal("Қасымов Нұрлан Серікұлы", foreign.Summary.DisplayName);

        using var auditor = await System.ClientForUserAsync("omarova");
        var trail = await TrailAsync(auditor, "kz-bs-qasymov", "directory.restricted_viewed", 2);
        Assert.Contains(trail, e => e.Actor == "kz-bs-sattarkhanov");
        Assert.DoesNotContain(trail, e => e.Actor == "uz-cus-khodjaev" && e.Action == "directory.restricted_viewed");
    }

    [Fact]
    public async Task EveryAdministrationCallIsRefusedForAnotherAgency()
    {
        using var admin = await System.ClientForUserAsync("abenov"); // KZ-BS administrator
        var uzbek = Officer("uz-cus-khodjaev", "Ходжаев Рустам", "Khodjaev Rustam");
        await AssertStatus(StatusCode.PermissionDenied, () => admin.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest { Officer = uzbek, ExpectedVersion = 1 }).ResponseAsync);
        var foreignAgency = Officer("uz-cus-newcomer", "Новичков", "Novichkov");
        foreignAgency.Agency = "UZ-CUS";
        await AssertStatus(StatusCode.PermissionDenied, () => admin.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest { Officer = foreignAgency }).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => admin.DirectoryAdmin.DeleteOfficerAsync(new DeleteRequest { Id = "uz-cus-yusupova", ExpectedVersion = 1 }).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => admin.DirectoryAdmin.PutDeskAsync(new PutDeskRequest
        {
            Desk = new DeskInput { Id = "uz-cus-oybek-desk", Name = "Taken over", TimeZone = "Asia/Tashkent", Roster = { new Shift { Days = { "mon" }, Start = "08:00", End = "16:00", Primary = "kz-bs-qasymov" } } },
            ExpectedVersion = 1,
        }).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => admin.DirectoryAdmin.DeleteDeskAsync(new DeleteRequest { Id = "uz-cus-oybek-desk", ExpectedVersion = 1 }).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => admin.DirectoryAdmin.GetHistoryAsync(new GetHistoryRequest { EntityType = "officer", Id = "uz-cus-khodjaev" }).ResponseAsync);

        using var officer = await System.ClientForUserAsync("sattarkhanov");
        await AssertStatus(StatusCode.PermissionDenied, () => officer.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest { Officer = Officer("kz-bs-mine", "Мой", "Moi") }).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => officer.DirectoryAdmin.ExportOfficersAsync(new ExportOfficersRequest { Format = DataFormat.Csv }).ResponseAsync);

        // Nothing changed.
        var unchanged = await officer.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "uz-cus-khodjaev" });
        Assert.Equal("Ходжаев Рустам Алишерович", unchanged.Summary.DisplayName);
    }

    [Fact]
    public async Task ChangesAreVersionedWithWhoWhenBeforeAndAfterAndAudited()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var created = await admin.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest { Officer = Officer("kz-bs-tulegenov", "Төлегенов Арман", "Tulegenov Arman") });
        Assert.Equal(1, created.Version);

        var edited = Officer("kz-bs-tulegenov", "Төлегенов Арман", "Tulegenov Arman");
        edited.Rank = "Major";
        var second = await admin.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest { Officer = edited, ExpectedVersion = 1 });
        Assert.Equal(2, second.Version);

        // A stale edit (someone else changed it since) is refused, not merged.
        await AssertStatus(StatusCode.Aborted, () => admin.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest { Officer = edited, ExpectedVersion = 1 }).ResponseAsync);

        using var reader = await System.ClientForUserAsync("khodjaev");
        var found = await reader.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "Тулегенов" });
        Assert.Equal("kz-bs-tulegenov", Assert.Single(found.Officers).Id);

        var history = await admin.DirectoryAdmin.GetHistoryAsync(new GetHistoryRequest { EntityType = "officer", Id = "kz-bs-tulegenov" });
        Assert.Equal([2L, 1L], history.Versions.Select(v => v.Version));
        Assert.All(history.Versions, v => Assert.Equal("kz-bs-abenov", v.ChangedBy));
        Assert.Equal(string.Empty, history.Versions[1].Before);
        Assert.Contains("\"rank\":\"Major\"", history.Versions[0].After, StringComparison.Ordinal);
        Assert.DoesNotContain("\"rank\":\"Major\"", history.Versions[0].Before, StringComparison.Ordinal);

        await admin.DirectoryAdmin.DeleteOfficerAsync(new DeleteRequest { Id = "kz-bs-tulegenov", ExpectedVersion = 2 });
        await AssertStatus(StatusCode.NotFound, () => reader.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-tulegenov" }).ResponseAsync);

        using var auditor = await System.ClientForUserAsync("omarova");
        var trail = await TrailAsync(auditor, "kz-bs-tulegenov", "directory.officer.deleted");
        Assert.Equal(["directory.officer.created", "directory.officer.updated", "directory.officer.deleted"],
            trail.Where(e => e.Action.StartsWith("directory.officer.", StringComparison.Ordinal)).Select(e => e.Action));
    }

    [Fact]
    public async Task AnImportWithBadRowsReportsEachLineAndFieldAndChangesNothing()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var csv = string.Join("\r\n",
            "id,native_name,latin_name,name_variants,rank,posting,centre,crossing_point,languages,specialities,email,phone,personal_phone,clearance,home_unit",
            "kz-bs-import-one,Әлиев Нұржан,Aliyev Nurzhan,Aliev Nurzhan;Әлиев,Captain,Khorgos,khorgos-jbcc,,kk:native;ru:fluent,migration,one@liaison.example,,+7 700 000 0001,SECRET,Unit 1",
            "kz-bs-import-two,,Bekov Daniyar,,Major,Khorgos,,no-such-crossing,kk:native,,,,,,",
            "\"kz-bs-import-three\",\"Сейтов, Ержан\",Seitov Yerzhan,,Major,\"Line one",
            "line two\",,,ru:expert,,,,,,",
            "kz-bs-import-one,Дубль,Dubl,,,,,,,,,,,,",
            "uz-cus-khodjaev,Ходжаев,Khodjaev,,,,,,,,,,,,");
        var report = await admin.DirectoryAdmin.ImportOfficersAsync(new ImportOfficersRequest { Format = DataFormat.Csv, Content = ByteString.CopyFromUtf8(csv) });
        Assert.False(report.Applied);
        var errors = report.Errors.Select(e => (e.Line, e.Field)).ToList();
        Assert.Contains((3, "native_name"), errors);
        Assert.Contains((3, "crossing_point"), errors);
        Assert.Contains((4, "languages"), errors);   // the record that starts on line 4 and spans two lines
        Assert.Contains((6, "id"), errors);          // the same id as line 2
        Assert.Contains((7, "id"), errors);          // another agency's officer
        Assert.DoesNotContain(errors, e => e.Line == 2);

        using var reader = await System.ClientForUserAsync("sattarkhanov");
        await AssertStatus(StatusCode.NotFound, () => reader.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-import-one" }).ResponseAsync);
    }

    [Fact]
    public async Task GoodImportsApplyAfterADryRunAndExportRoundTrips()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var rows = new[]
        {
            new { id = "kz-bs-json-one", nativeName = "Ермеков Нұрбол", latinName = "Yermekov Nurbol", rank = "Captain", languages = new[] { new { language = "kk", level = "native" } } },
            new { id = "kz-bs-json-two", nativeName = "Оспанова Гүлмира", latinName = "Ospanova Gulmira", rank = "Major", languages = new[] { new { language = "ru", level = "fluent" } } },
        };
        var content = ByteString.CopyFromUtf8(JsonSerializer.Serialize(rows));
        var dryRun = await admin.DirectoryAdmin.ImportOfficersAsync(new ImportOfficersRequest { Format = DataFormat.Json, Content = content, DryRun = true });
        Assert.Empty(dryRun.Errors);
        Assert.Equal(2, dryRun.Created);
        Assert.False(dryRun.Applied);

        using var reader = await System.ClientForUserAsync("khodjaev");
        await AssertStatus(StatusCode.NotFound, () => reader.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-json-one" }).ResponseAsync);

        var applied = await admin.DirectoryAdmin.ImportOfficersAsync(new ImportOfficersRequest { Format = DataFormat.Json, Content = content });
        Assert.True(applied.Applied);
        Assert.Equal("Ospanova Gulmira", (await reader.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-json-two" })).Summary.LatinName);

        var export = await admin.DirectoryAdmin.ExportOfficersAsync(new ExportOfficersRequest { Format = DataFormat.Csv });
        var text = export.Content.ToStringUtf8();
        Assert.Contains("kz-bs-json-one,Ермеков Нұрбол,Yermekov Nurbol", text, StringComparison.Ordinal);
        Assert.Contains("+7 7252 40 22 17", text, StringComparison.Ordinal); // restricted fields: the agency's own file
        Assert.DoesNotContain("uz-cus-", text, StringComparison.Ordinal);

        // The exported file imports back cleanly: every row an update.
        var back = await admin.DirectoryAdmin.ImportOfficersAsync(new ImportOfficersRequest { Format = DataFormat.Csv, Content = export.Content, DryRun = true });
        Assert.Empty(back.Errors);
        Assert.Equal(export.Rows, back.Updated);
    }

    [Fact]
    public async Task PagesFollowTheirQueryAndStopAtTheCap()
    {
        using var client = await System.ClientForUserAsync("asanov");
        var first = await client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "border", PageSize = 3 });
        Assert.Equal(3, first.Officers.Count);
        Assert.NotEmpty(first.NextPageToken);
        var second = await client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "border", PageSize = 3, PageToken = first.NextPageToken });
        Assert.Empty(first.Officers.Select(o => o.Id).Intersect(second.Officers.Select(o => o.Id)));

        var error = await AssertStatus(StatusCode.InvalidArgument, () => client.Directory.SearchOfficersAsync(new SearchOfficersRequest
        {
            Query = "customs", PageSize = 3, PageToken = first.NextPageToken,
        }).ResponseAsync);
        Assert.Equal("page_token", error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field);
        await AssertStatus(StatusCode.InvalidArgument, () => client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "border", PageSize = 51 }).ResponseAsync);
        await AssertStatus(StatusCode.InvalidArgument, () => client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "x" }).ResponseAsync);
    }

    [Fact]
    public async Task DesksShowWhoIsOnDutyNowInTheirOwnTime()
    {
        using var client = await System.ClientForUserAsync("asanov");
        var desk = await client.Directory.GetDeskAsync(new GetDeskRequest { Id = "af-bp-national-desk" });
        Assert.Equal("Asia/Kabul", desk.TimeZone);
        Assert.Equal("af-bp-stanekzai", desk.OnDuty.Primary.Id);
        Assert.EndsWith("+04:30", desk.OnDuty.LocalTime, StringComparison.Ordinal);

        var listed = await client.Directory.ListDesksAsync(new ListDesksRequest { CrossingPoint = "dostuk" });
        Assert.Equal("kg-bs-dostuk-desk", Assert.Single(listed.Desks).Id);
        Assert.NotNull(listed.Desks[0].OnDuty.Primary);

        var units = await client.Directory.ListUnitsAsync(new ListUnitsRequest { Agency = "KG-BS" });
        Assert.Contains(units.Units, u => u.Id == "kg-bs-osh" && u.NativeName == "Ош чек ара отряды");
        var asanov = await client.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kg-bs-asanov" });
        Assert.Equal("Osh Border Detachment", asanov.Summary.UnitName);

        var places = await client.Directory.ListPlacesAsync(new ListPlacesRequest { Kind = "crossing-point", Country = "AF" });
        Assert.Contains(places.Places, p => p.Id == "sher-khan-bandar" && p.NameVariants.Contains("شیرخان بندر"));
    }

    [Fact]
    public async Task RestrictedValuesAreNeitherShownNorSearchableOutsideTheirAudience()
    {
        using var compatriot = await System.ClientForUserAsync("zhaksylykova"); // KZ-CUS
        using var outsider = await System.ClientForUserAsync("khodjaev");      // UZ-CUS

        // The home unit (the officer's unit) is for the officer's country: shown and found there...
        var found = await compatriot.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "Almaty Regional Border Directorate" });
        var hit = Assert.Single(found.Officers, o => o.Id == "kz-bs-sattarkhanov");
        Assert.Equal("kz-bs-almaty-rbd", hit.Unit);
        Assert.Equal("Almaty Regional Border Directorate", hit.UnitName);
        Assert.Contains((await compatriot.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "Алматы өңірлік" })).Officers, o => o.Id == "kz-bs-sattarkhanov");

        // ...and neither shown nor found, nor matched in its other script or by its words, anywhere else.
        foreach (var query in new[] { "Almaty Regional Border Directorate", "Алматы өңірлік шекара басқармасы", "Regional Directorate Sattarkhanov" })
        {
            var hidden = await outsider.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = query });
            Assert.DoesNotContain(hidden.Officers, o => o.Id == "kz-bs-sattarkhanov");
        }

        var byName = await outsider.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "Sattarkhanov" });
        var summary = Assert.Single(byName.Officers, o => o.Id == "kz-bs-sattarkhanov");
        Assert.Equal(string.Empty, summary.Unit);
        Assert.Equal(string.Empty, summary.UnitName);
        var officer = await outsider.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-sattarkhanov" });
        Assert.Equal(string.Empty, officer.Summary.UnitName);
        Assert.Null(officer.Restricted);
        var desk = await outsider.Directory.GetDeskAsync(new GetDeskRequest { Id = "kz-bs-khorgos-desk" });
        Assert.All(new[] { desk.OnDuty.Primary, desk.OnDuty.Backup }.Where(o => o is not null), o => Assert.Equal(string.Empty, o.UnitName));

        // Personal phone and clearance are never search terms, even inside the agency.
        using var insider = await System.ClientForUserAsync("sattarkhanov");
        foreach (var (client, query) in new[] { (insider, "7252"), (insider, "CONFIDENTIAL"), (outsider, "CONFIDENTIAL"), (outsider, "+7 7252 40 22 17") })
        {
            try
            {
                var result = await client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = query });
                Assert.DoesNotContain(result.Officers, o => o.Id == "kz-bs-qasymov");
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.InvalidArgument)
            {
                // Not a query at all is as good as no match.
            }
        }
    }

    [Fact]
    public async Task SearchesAreRateLimitedPerCaller()
    {
        await using var limited = await RunningSystem.StartAsync(new Dictionary<string, string?>
        {
            ["Directory:SearchBurst"] = "3", ["Directory:SearchesPerSecond"] = "1",
        });
        using var client = await limited.ClientForUserAsync("asanov");
        using var other = await limited.ClientForUserAsync("rahimov");
        var request = new SearchOfficersRequest { Query = "Sattarkhanov" };
        for (var i = 0; i < 3; i++)
        {
            await client.Directory.SearchOfficersAsync(request);
        }

        var refused = await AssertStatus(StatusCode.ResourceExhausted, () => client.Directory.SearchOfficersAsync(request).ResponseAsync);
        Assert.Contains("Too many searches", refused.Status.Detail, StringComparison.Ordinal);
        // Another officer is not held back by the first one's searches.
        Assert.NotEmpty((await other.Directory.SearchOfficersAsync(request)).Officers);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.NotEmpty((await client.Directory.SearchOfficersAsync(request)).Officers);
    }

    internal static OfficerInput Officer(string id, string native, string latin) => new()
    {
        Id = id, NativeName = native, LatinName = latin, Rank = "Captain", Posting = "Khorgos",
        Languages = { new Protos.Directory.V1.LanguageSkill { Language = "kk", Level = "native" } },
    };

    private static Task<RpcException> AssertStatus(StatusCode expected, Func<Task> call) => Expect.StatusAsync(expected, call);

    private static Task<List<AuditEvent>> TrailAsync(LiaisonClient auditor, string objectId, string action, int count = 1) =>
        Expect.TrailAsync(auditor, objectId, action, count);
}
