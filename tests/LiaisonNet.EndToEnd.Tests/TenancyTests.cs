using System.Net;
using Google.Rpc;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>Tenancy is country and agency: an account of one agency never acts as, or for, another agency's officer.</summary>
public sealed class TenancyTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task AdministratorCannotCreateAnAccountThatSignsInAsAnotherAgencysOfficer()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var error = await Expect.StatusAsync(StatusCode.InvalidArgument, () => admin.Accounts.CreateAccountAsync(new CreateAccountRequest
        {
            UserName = "x.y", DisplayName = "Takeover", AccountId = "tm-bs-berdiyev", Roles = { "officer" },
        }).ResponseAsync);
        Assert.Equal(["account_id"], Fields(error));

        // Nor as an id the directory does not know: an account id is an entry of the agency, or generated in it.
        error = await Expect.StatusAsync(StatusCode.InvalidArgument, () => admin.Accounts.CreateAccountAsync(new CreateAccountRequest
        {
            UserName = "x.z", DisplayName = "Nobody", AccountId = "kz-bs-nobody-at-all", Roles = { "officer" },
        }).ResponseAsync);
        Assert.Equal(["account_id"], Fields(error));

        // Neither account exists, and the Turkmen officer's inbox is still nobody's.
        await Expect.StatusAsync(StatusCode.NotFound, () => admin.Accounts.GetAccountAsync(new AccountRef { AccountId = "tm-bs-berdiyev" }).ResponseAsync);
        var listed = await admin.Accounts.ListAccountsAsync(new ListAccountsRequest { PageSize = 200 });
        Assert.DoesNotContain(listed.Accounts, a => a.UserName is "x.y" or "x.z");
    }

    [Fact]
    public async Task AdministratorBindsAnAccountToAnOfficerOfTheirOwnAgency()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var created = await admin.Accounts.CreateAccountAsync(new CreateAccountRequest
        {
            UserName = "qasymov", DisplayName = "Қасымов Нұрлан", AccountId = "kz-bs-qasymov", Roles = { "officer" }, Desks = { "kz-bs-khorgos-desk" },
        });
        Assert.Equal("kz-bs-qasymov", created.Account.Id);

        var token = await new OidcSignIn(System.Urls).AccessTokenForAsync("qasymov", created.InitialPassword);
        using var officer = new LiaisonClient(System.Endpoints, new StaticTokenSource(token));
        using var sender = await System.ClientForUserAsync("sattarkhanov");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-qasymov" }, Precedence = Precedence.Routine, Subject = "Shift handover",
        });
        var inbox = await officer.Relay.ListInboxAsync(new ListInboxRequest());
        Assert.Contains(inbox.Items, i => i.MessageId == sent.MessageId);
    }

    [Fact]
    public async Task AdministratorAssignsOnlyExistingDesksOfTheirOwnAgency()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        foreach (var desk in new[] { "uz-cus-oybek-desk", "zz-no-such-desk" })
        {
            var error = await Expect.StatusAsync(StatusCode.InvalidArgument, () => admin.Accounts.CreateAccountAsync(new CreateAccountRequest
            {
                UserName = $"kz.desk.{desk[..2]}", DisplayName = "Desk clerk", Roles = { "desk-operator" }, Desks = { "kz-bs-khorgos-desk", desk },
            }).ResponseAsync);
            Assert.Equal(["desks[1]"], Fields(error));
        }

        var clerk = await admin.Accounts.CreateAccountAsync(new CreateAccountRequest { UserName = "kz.desk.clerk", DisplayName = "Desk clerk", Roles = { "desk-operator" } });
        var refused = await Expect.StatusAsync(StatusCode.InvalidArgument, () => admin.Accounts.SetAccessAsync(new SetAccessRequest
        {
            AccountId = clerk.Account.Id, Roles = { "desk-operator" }, Desks = { "uz-cus-oybek-desk" },
        }).ResponseAsync);
        Assert.Equal(["desks[0]"], Fields(refused));
        var account = await admin.Accounts.GetAccountAsync(new AccountRef { AccountId = clerk.Account.Id });
        Assert.Empty(account.Desks);
    }

    [Fact]
    public async Task DirectoryRefusesAnEntryWhoseIdIsAnotherAgencysAccount()
    {
        // kz-bs-abenov administers KZ-BS; uz-cus-karimova is an account of UZ-CUS with no entry of its own yet.
        using var admin = await System.ClientForUserAsync("abenov");
        var error = await Expect.StatusAsync(StatusCode.InvalidArgument, () => admin.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest
        {
            Officer = new OfficerInput { Id = "uz-cus-karimova", NativeName = "Каримова", LatinName = "Karimova", Rank = "Major", Posting = "Astana" },
        }).ResponseAsync);
        Assert.Equal(["officer.id"], Fields(error));

        var import = await admin.DirectoryAdmin.ImportOfficersAsync(new ImportOfficersRequest
        {
            Format = DataFormat.Csv,
            Content = Google.Protobuf.ByteString.CopyFromUtf8("id,native_name,latin_name,rank,posting\nkz-bs-new-one,Жаңа,Zhana,Captain,Astana\nuz-cus-karimova,Каримова,Karimova,Major,Astana\n"),
        });
        Assert.False(import.Applied);
        Assert.Contains(import.Errors, e => e.Line == 3 && e.Field == "id");
        await Expect.StatusAsync(StatusCode.NotFound, () => admin.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-new-one" }).ResponseAsync);
    }

    [Fact]
    public async Task TokenWhoseAgencyDiffersFromItsSubjectsEntryIsRefusedByRelayAndDirectoryAndAudited()
    {
        // An identity store that says the Tajik officer's account is Kazakh (as a bad migration or a forged row would).
        await using var system = await RunningSystem.StartAsync();
        await using (var db = await system.DatabaseOf(ServiceKind.Identity).OpenAsync())
        {
            await using var update = db.Command("""UPDATE "AspNetUsers" SET "Agency" = 'KZ-BS', "Country" = 'KZ' WHERE "Id" = 'tj-dca-rahimov'""");
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        using var impostor = await system.ClientForUserAsync("rahimov");
        var relay = await Expect.StatusAsync(StatusCode.PermissionDenied, () => impostor.Relay.ListInboxAsync(new ListInboxRequest()).ResponseAsync);
        Assert.Contains("tj-dca-rahimov", relay.Status.Detail, StringComparison.Ordinal);
        await Expect.StatusAsync(StatusCode.PermissionDenied, () => impostor.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = "x", ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine, Subject = "As someone else",
        }).ResponseAsync);
        await Expect.StatusAsync(StatusCode.PermissionDenied, () => impostor.Directory.GetOfficerAsync(new GetOfficerRequest { Id = "kz-bs-sattarkhanov" }).ResponseAsync);

        // The refusals are on the trail, where the agency the token claimed sees them.
        using var auditor = await system.ClientForUserAsync("omarova");
        var trail = await Expect.TrailAsync(auditor, "/liaison.relay.v1.RelayService/ListInbox", "access.refused");
        Assert.Contains(trail, e => e.Action == "access.refused" && e.Actor == "tj-dca-rahimov" && e.Source == "liaison-relay");
        trail = await Expect.TrailAsync(auditor, "/liaison.directory.v1.DirectoryService/GetOfficer", "access.refused");
        Assert.Contains(trail, e => e.Action == "access.refused" && e.Actor == "tj-dca-rahimov" && e.Source == "liaison-directory");
    }

    [Theory]
    [InlineData("omarova")]
    [InlineData("karimova")]
    [InlineData("abenov")]
    public async Task AuditorsAndAdministratorsWithoutTheOfficerRoleCannotSend(string user)
    {
        using var client = await System.ClientForUserAsync(user);
        await Expect.StatusAsync(StatusCode.PermissionDenied, () => client.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine, Subject = "Not mine to send",
        }).ResponseAsync);

        using var session = await System.GatewaySessionAsync(user);
        using var response = await session.PostJsonAsync("/api/messages", new
        {
            clientMessageId = Guid.NewGuid().ToString(), recipients = new[] { "kz-bs-sattarkhanov" }, precedence = "ROUTINE", subject = "Not mine to send",
        });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        using var sattarkhanov = await System.ClientForUserAsync("sattarkhanov");
        var inbox = await sattarkhanov.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 });
        Assert.DoesNotContain(inbox.Items, i => i.Subject == "Not mine to send");
    }

    internal static List<string> Fields(RpcException error) =>
        [.. error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field)];
}
