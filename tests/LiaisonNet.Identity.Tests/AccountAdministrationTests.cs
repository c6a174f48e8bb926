using Google.Rpc;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.Identity.Tests;

public sealed class AccountAdministrationTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task AgencyAdministratorCreatesAnAccountThatSignsInAndEveryChangeIsAudited()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var created = await admin.Accounts.CreateAccountAsync(new CreateAccountRequest
        {
            UserName = "kz.duty.nurlan", DisplayName = "Нурланов Нурлан", Roles = { "officer", "desk-operator" }, Desks = { "kz-bs-khorgos-desk" },
        });
        Assert.Equal("KZ-BS", created.Account.Agency);
        Assert.Equal("KZ", created.Account.Country);
        Assert.Equal(["desk-operator", "officer"], created.Account.Roles);
        Assert.Equal(["kz-bs-khorgos-desk"], created.Account.Desks);

        var tokens = await new OidcSignIn(System.Urls).TokensForAsync("kz.duty.nurlan", created.InitialPassword);
        var payload = DiscoveryAndFlowTests.Payload(tokens.AccessToken);
        Assert.Contains("\"desk\":\"kz-bs-khorgos-desk\"", payload, StringComparison.Ordinal);

        var listed = await admin.Accounts.ListAccountsAsync(new ListAccountsRequest { PageSize = 200 });
        Assert.Contains(listed.Accounts, a => a.Id == created.Account.Id);
        Assert.All(listed.Accounts, a => Assert.Equal("KZ-BS", a.Agency));

        await admin.Accounts.SetAccessAsync(new SetAccessRequest { AccountId = created.Account.Id, Roles = { "officer" } });
        using var auditor = await System.ClientForUserAsync("omarova");
        var trail = await Support.TrailAsync(auditor, created.Account.Id, "account.access_changed");
        Assert.Contains(trail, e => e.Action == "account.created" && e.Actor == "kz-bs-abenov");
        Assert.Contains(trail, e => e.Action == "account.access_changed" && e.Actor == "kz-bs-abenov");
        Assert.Contains(trail, e => e.Action == "account.signin.succeeded" && e.Actor == created.Account.Id);

        // The other agency's auditor sees none of it.
        using var otherAuditor = await System.ClientForUserAsync("karimova");
        var hidden = await otherAuditor.Audit.ListTrailAsync(new Protos.Audit.V1.ListTrailRequest { ObjectId = created.Account.Id, PageSize = 100 });
        Assert.All(hidden.Entries, e => Assert.Null(e.Event));
    }

    [Fact]
    public async Task EveryAdministrationCallAnswersNotFoundForAnotherAgencysAccountAsForAMissingOne()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var target = new AccountRef { AccountId = "uz-cus-khodjaev" };
        var foreign = await Support.AssertStatus(StatusCode.NotFound, () => admin.Accounts.GetAccountAsync(target).ResponseAsync);
        var missing = await Support.AssertStatus(StatusCode.NotFound, () => admin.Accounts.GetAccountAsync(new AccountRef { AccountId = "uz-cus-nobody" }).ResponseAsync);
        Assert.Equal(missing.Status.Detail.Replace("uz-cus-nobody", "ID"), foreign.Status.Detail.Replace("uz-cus-khodjaev", "ID"));
        await Support.AssertStatus(StatusCode.NotFound, () => admin.Accounts.DisableAccountAsync(target).ResponseAsync);
        await Support.AssertStatus(StatusCode.NotFound, () => admin.Accounts.EnableAccountAsync(target).ResponseAsync);
        await Support.AssertStatus(StatusCode.NotFound, () => admin.Accounts.ResetSecondFactorAsync(target).ResponseAsync);
        await Support.AssertStatus(StatusCode.NotFound, () => admin.Accounts.SetAccessAsync(new SetAccessRequest
        {
            AccountId = "uz-cus-khodjaev", Roles = { "auditor" },
        }).ResponseAsync);

        // Nothing changed: the Uzbek officer still signs in.
        Assert.NotEmpty(await System.AccessTokenForUserAsync("khodjaev"));
    }

    [Fact]
    public async Task OfficersAndServicesCannotAdministerAccounts()
    {
        using var officer = await System.ClientForUserAsync("sattarkhanov");
        await Support.AssertStatus(StatusCode.PermissionDenied, () => officer.Accounts.ListAccountsAsync(new ListAccountsRequest()).ResponseAsync);
        await Support.AssertStatus(StatusCode.PermissionDenied, () => officer.Accounts.CreateAccountAsync(new CreateAccountRequest
        {
            UserName = "sneaky", DisplayName = "x", Roles = { "officer" },
        }).ResponseAsync);

        using var http = new HttpClient();
        var automation = new ClientCredentialsTokenSource(http, new Uri(System.Urls.Issuer, "connect/token"),
            Host.HostSecrets.DemoAutomationClientId, Host.HostSecrets.DemoAutomationSecret, ["directory", "relay"]);
        using var service = new LiaisonClient(System.Endpoints, automation);
        await Support.AssertStatus(StatusCode.Unauthenticated, () => service.Accounts.ListAccountsAsync(new ListAccountsRequest()).ResponseAsync);
    }

    [Fact]
    public async Task BadRequestsNameEveryBadFieldAndRolesStayWithinLimits()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var error = await Support.AssertStatus(StatusCode.InvalidArgument, () => admin.Accounts.CreateAccountAsync(new CreateAccountRequest
        {
            UserName = "Bad Name!", DisplayName = "", Roles = { "system-admin", "officer" }, Desks = { "desk with spaces" },
        }).ResponseAsync);
        var fields = error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).ToList();
        Assert.Equal(["user_name", "display_name", "roles[0]", "desks[0]"], fields);

        await admin.Accounts.CreateAccountAsync(new CreateAccountRequest { UserName = "kz.twice", DisplayName = "Twice", Roles = { "officer" } });
        await Support.AssertStatus(StatusCode.AlreadyExists, () => admin.Accounts.CreateAccountAsync(new CreateAccountRequest
        {
            UserName = "kz.twice", DisplayName = "Twice again", Roles = { "officer" },
        }).ResponseAsync);

        await Support.AssertStatus(StatusCode.FailedPrecondition, () => admin.Accounts.DisableAccountAsync(new AccountRef { AccountId = "kz-bs-abenov" }).ResponseAsync);
        await Support.AssertStatus(StatusCode.NotFound, () => admin.Accounts.GetAccountAsync(new AccountRef { AccountId = "kz-bs-nobody" }).ResponseAsync);
    }
}
