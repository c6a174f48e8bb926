using System.Net;
using System.Net.Http.Json;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>The browser's routes for sent messages, replies and reads: each works for its owner and refuses everyone else.</summary>
public sealed class GatewayRoutesTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task TheSystemsAddressesAreOpenToAnyoneAndAreNothingButAddresses()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(System.Urls.Gateway) };
        using var answer = await anonymous.GetAsync(new Uri("/.well-known/liaisonnet", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var body = global::System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["issuer", "directory", "relay", "audit", "accounts"], body.EnumerateObject().Select(p => p.Name));
        Assert.All(body.EnumerateObject(), p => Assert.True(Uri.TryCreate(p.Value.GetString(), UriKind.Absolute, out _), $"{p.Name} is not an address"));
        Assert.Equal(System.Urls.Issuer.ToString(), body.GetProperty("issuer").GetString());

        // Read only: a POST there matches no route, and a request without a route's rule is refused.
        using var post = await anonymous.PostAsync(new Uri("/.well-known/liaisonnet", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
    }

    [Fact]
    public async Task TheRecipientRepliesAndTheSenderSeesItInSentWithEveryField()
    {
        using var sender = await System.GatewaySessionAsync("sattarkhanov");
        using var send = await sender.PostJsonAsync("/api/messages", new SendMessageDto(Guid.NewGuid().ToString(), ["uz-cus-khodjaev"], ["kg-bs-asanov"],
            "IMMEDIATE", "Gateway fields", "Текст", HandlingCode: "H3", HandlingNote: "Not to be shown to the press", Evaluation: new EvaluationDto("B", "2"),
            Classification: "ҚҰПИЯ (KZ)", CaseId: "KZ-2026-77", ExpiresAt: DateTimeOffset.UtcNow.AddDays(2)));
        Assert.Equal(HttpStatusCode.OK, send.StatusCode);
        var sent = (await send.Content.ReadFromJsonAsync<SentDto>())!;

        using var recipient = await System.GatewaySessionAsync("khodjaev");
        var inbox = await recipient.Http.GetFromJsonAsync<InboxPageDto>("/api/inbox?limit=200");
        var item = Assert.Single(inbox!.Items, i => i.MessageId == sent.MessageId);
        Assert.Equal(("H3", "Not to be shown to the press", "B", "2", "ҚҰПИЯ (KZ)", "KZ-2026-77"),
            (item.HandlingCode, item.HandlingNote, item.Evaluation!.SourceReliability, item.Evaluation.InformationAssessment, item.Classification, item.CaseId));
        Assert.NotNull(item.ExpiresAt);

        Assert.Equal(HttpStatusCode.NoContent, (await recipient.PostJsonAsync($"/api/messages/{sent.MessageId}/read", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await recipient.PostJsonAsync($"/api/messages/{sent.MessageId}/reply", new ReplyDto("CANTCO", "No vehicle at the gate"))).StatusCode);

        var page = await sender.Http.GetFromJsonAsync<SentPageDto>("/api/sent");
        var message = Assert.Single(page!.Messages, m => m.MessageId == sent.MessageId);
        var receipt = Assert.Single(message.Receipts, r => r.RecipientId == "uz-cus-khodjaev");
        Assert.Equal(("CANTCO", "No vehicle at the gate"), (receipt.ReplyCode, receipt.ReplyReason));
        Assert.NotNull(receipt.ReadAt);
        Assert.Equal("information", Assert.Single(message.Receipts, r => r.RecipientId == "kg-bs-asanov").Role);
    }

    [Fact]
    public async Task NobodyRepliesToReadsOrListsAnotherUsersMessages()
    {
        using var client = await System.ClientForUserAsync("sattarkhanov");
        var sent = await client.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine, Subject = "Not for others",
        });

        // Another agency's officer, and an auditor: neither is a recipient.
        foreach (var user in new[] { "rahimov", "omarova" })
        {
            using var other = await System.GatewaySessionAsync(user);
            Assert.Equal(HttpStatusCode.NotFound, (await other.PostJsonAsync($"/api/messages/{sent.MessageId}/reply", new ReplyDto("WILCO", null))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await other.PostJsonAsync($"/api/messages/{sent.MessageId}/read", new { })).StatusCode);
            var theirs = await other.Http.GetFromJsonAsync<SentPageDto>("/api/sent");
            Assert.DoesNotContain(theirs!.Messages, m => m.MessageId == sent.MessageId);
        }

        // Without the CSRF header a change is refused; without a session, everything is.
        using var recipient = await System.GatewaySessionAsync("khodjaev");
        recipient.Http.DefaultRequestHeaders.Remove("X-Liaison-Csrf");
        Assert.Equal(HttpStatusCode.Forbidden, (await recipient.PostJsonAsync($"/api/messages/{sent.MessageId}/reply", new ReplyDto("WILCO", null))).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = new Uri(System.Urls.Gateway) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/sent")).StatusCode);
        var receipts = await client.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId });
        Assert.Equal(ReplyCode.Unspecified, Assert.Single(receipts.Receipts).ReplyCode);
    }

    [Fact]
    public async Task OnlyADesksStaffSeesItsBoardAndActsForIt()
    {
        using var client = await System.ClientForUserAsync("khodjaev");
        var sent = await client.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "desk:kz-bs-khorgos-desk" }, Precedence = Precedence.Immediate, Subject = "For the Khorgos desk",
        });

        using var staff = await System.GatewaySessionAsync("sattarkhanov");
        var boards = await staff.Http.GetFromJsonAsync<List<DeskBoardDto>>("/api/desks/mine");
        var board = Assert.Single(boards!, b => b.Desk.Id == "kz-bs-khorgos-desk");
        Assert.Contains(board.Items, i => i.Message.MessageId == sent.MessageId);

        foreach (var user in new[] { "zhaksylykova", "omarova", "rahimov" })
        {
            using var outsider = await System.GatewaySessionAsync(user);
            Assert.DoesNotContain((await outsider.Http.GetFromJsonAsync<List<DeskBoardDto>>("/api/desks/mine"))!, b => b.Desk.Id == "kz-bs-khorgos-desk");
            Assert.Equal(HttpStatusCode.Forbidden, (await outsider.PostJsonAsync($"/api/desks/kz-bs-khorgos-desk/messages/{sent.MessageId}/acknowledge", new { })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await outsider.PostJsonAsync($"/api/desks/kz-bs-khorgos-desk/messages/{sent.MessageId}/reply", new ReplyDto("WILCO", null))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostJsonAsync($"/api/desks/kz-bs-khorgos-desk/messages/{sent.MessageId}/reply", new ReplyDto("HAVCO", null))).StatusCode);
        var receipt = Assert.Single((await client.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId })).Receipts);
        Assert.Equal((ReplyCode.Havco, "kz-bs-sattarkhanov"), (receipt.ReplyCode, receipt.AcknowledgedBy));
    }

    [Fact]
    public async Task OnlyTheOriginatorDecidesAndAuditorsNeverForward()
    {
        using var originator = await System.ClientForUserAsync("khodjaev");
        var sent = await originator.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine, Subject = "H2 for the gateway",
            HandlingCode = HandlingCode.H2,
        });
        using var holder = await System.GatewaySessionAsync("sattarkhanov");
        using var asked = await holder.PostJsonAsync($"/api/messages/{sent.MessageId}/permissions", new PermissionRequestDto(["tj-dca-rahimov"], "For the joint case"));
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var permission = (await asked.Content.ReadFromJsonAsync<PermissionDto>())!;

        // The asker cannot grant their own request, nor can another agency's officer; an auditor cannot forward at all.
        using var outsider = await System.GatewaySessionAsync("rahimov");
        foreach (var session in new[] { holder, outsider })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await session.PostJsonAsync($"/api/permissions/{permission.Id}/decision", new DecisionDto(true, null))).StatusCode);
        }

        using var auditor = await System.GatewaySessionAsync("omarova");
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.PostJsonAsync($"/api/messages/{sent.MessageId}/forward", new ForwardDto("x", ["kz-bs-qasymov"], null, null))).StatusCode);
        Assert.Empty((await auditor.Http.GetFromJsonAsync<List<PermissionDto>>($"/api/messages/{sent.MessageId}/permissions"))!);

        // Refused outside the agency until granted, then passed on.
        Assert.Equal(HttpStatusCode.Forbidden, (await holder.PostJsonAsync($"/api/messages/{sent.MessageId}/forward", new ForwardDto("f1", ["tj-dca-rahimov"], null, null))).StatusCode);
        using var decider = await System.GatewaySessionAsync("khodjaev");
        Assert.Equal(HttpStatusCode.OK, (await decider.PostJsonAsync($"/api/permissions/{permission.Id}/decision", new DecisionDto(true, "Agreed"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await holder.PostJsonAsync($"/api/messages/{sent.MessageId}/forward", new ForwardDto("f1", ["tj-dca-rahimov"], null, null))).StatusCode);
    }

    [Fact]
    public async Task OnlyAuditorsReachTheAuditRoutesAndOnlyForTheirAgency()
    {
        foreach (var user in new[] { "sattarkhanov", "abenov" })
        {
            using var officer = await System.GatewaySessionAsync(user);
            foreach (var route in new[] { "/api/audit/trail?agency=KZ-BS", "/api/audit/consistency?first=1", "/api/audit/bundle?objectId=kz-bs-sattarkhanov" })
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await officer.Http.GetAsync(route)).StatusCode);
            }
        }

        using var auditor = await System.GatewaySessionAsync("omarova");
        Assert.Equal(HttpStatusCode.OK, (await auditor.Http.GetAsync("/api/audit/trail?agency=KZ-BS")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.Http.GetAsync("/api/audit/trail?agency=UZ-CUS")).StatusCode);
    }

    [Fact]
    public async Task TheOfficerCardHoldsRestrictedFieldsOnlyForTheirAudience()
    {
        using var insider = await System.GatewaySessionAsync("sattarkhanov");
        var own = await insider.Http.GetFromJsonAsync<OfficerCardDto>("/api/officers/kz-bs-qasymov");
        Assert.Equal("+7 7252 40 22 17", own!.Restricted!.PersonalPhone);

        using var outsider = await System.GatewaySessionAsync("khodjaev");
        var foreign = await outsider.Http.GetFromJsonAsync<OfficerCardDto>("/api/officers/kz-bs-qasymov");
        Assert.Null(foreign!.Restricted);
        Assert.Equal(string.Empty, foreign.Summary.UnitName);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.GetAsync("/api/officers/kz-bs-nobody")).StatusCode);

        using var anonymous = new HttpClient { BaseAddress = new Uri(System.Urls.Gateway) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/officers/kz-bs-qasymov")).StatusCode);
    }

    [Fact]
    public async Task OnlyAdministratorsReachTheAdministrationRoutesAndOnlyForTheirAgency()
    {
        foreach (var user in new[] { "sattarkhanov", "omarova" })
        {
            using var other = await System.GatewaySessionAsync(user);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.GetAsync("/api/admin/accounts")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.GetAsync("/api/admin/officers/export")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostJsonAsync("/api/admin/officers/import", new ImportDto("csv", "id,native_name,latin_name\n", true))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostJsonAsync("/api/admin/accounts/kz-bs-omarova/disable", new { })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.GetAsync("/api/admin/officers/kz-bs-qasymov")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.GetAsync("/api/admin/history/officer/kz-bs-qasymov")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.GetAsync("/api/admin/desks/kz-bs-khorgos-desk")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.PutAsJsonAsync("/api/admin/desks/kz-bs-khorgos-desk", new { name = "Taken over" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.Http.PutAsJsonAsync("/api/admin/accounts/kz-bs-omarova/access", new AccessDto(["agency-admin"], []))).StatusCode);
        }

        using var anonymous = new HttpClient { BaseAddress = new Uri(System.Urls.Gateway) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/desks/kz-bs-khorgos-desk")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/accounts")).StatusCode);

        using var admin = await System.GatewaySessionAsync("abenov");
        var accounts = await admin.Http.GetFromJsonAsync<List<AccountDto>>("/api/admin/accounts");
        Assert.Contains(accounts!, a => a.Id == "kz-bs-omarova");
        Assert.DoesNotContain(accounts!, a => a.Id == "uz-cus-khodjaev");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostJsonAsync("/api/admin/accounts/uz-cus-khodjaev/disable", new { })).StatusCode);
        // Another agency's officer: readable as anyone reads the directory, but not the administrator's to change or to trace.
        var foreign = await admin.Http.GetFromJsonAsync<OfficerEditDto>("/api/admin/officers/uz-cus-khodjaev");
        using var put = await admin.Http.PutAsJsonAsync("/api/admin/officers/uz-cus-khodjaev", foreign! with { Rank = "Taken over" });
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.GetAsync("/api/admin/history/officer/uz-cus-khodjaev")).StatusCode);
        // Another agency's desk and account: the desk is read as the directory is read, but neither is the administrator's to change.
        var foreignDesk = await admin.Http.GetFromJsonAsync<DeskEditDto>("/api/admin/desks/uz-cus-oybek-desk");
        using var deskPut = await admin.Http.PutAsJsonAsync("/api/admin/desks/uz-cus-oybek-desk", foreignDesk! with { Roster = [] });
        Assert.Equal(HttpStatusCode.Forbidden, deskPut.StatusCode);
        using var access = await admin.Http.PutAsJsonAsync("/api/admin/accounts/uz-cus-khodjaev/access", new AccessDto(["officer"], []));
        Assert.Equal(HttpStatusCode.NotFound, access.StatusCode);
        using var foreignDeskAccess = await admin.Http.PutAsJsonAsync("/api/admin/accounts/kz-bs-omarova/access", new AccessDto(["auditor"], ["uz-cus-oybek-desk"]));
        Assert.Equal(HttpStatusCode.BadRequest, foreignDeskAccess.StatusCode);
        Assert.Contains("desks[0]", await foreignDeskAccess.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var export = await admin.Http.GetStringAsync("/api/admin/officers/export?format=csv");
        Assert.Contains("kz-bs-sattarkhanov", export, StringComparison.Ordinal);
        Assert.DoesNotContain("uz-cus-khodjaev", export, StringComparison.Ordinal);
    }
}
