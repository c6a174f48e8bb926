using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>A client sends only when registered as a sender of its agency and named by a sender entry of that agency in the directory.</summary>
public sealed class SenderTests : IAsyncLifetime
{
    private const string Secret = "case-system-secret-for-tests";
    private static readonly HttpClient Http = new();
    private RunningSystem _system = null!;

    public async Task InitializeAsync() => _system = await RunningSystem.StartAsync(new Dictionary<string, string?>
    {
        // Registered at the identity server, but with no directory entry yet.
        ["Identity:Senders:kz-bs-case-system:Secret"] = Secret,
        ["Identity:Senders:kz-bs-case-system:Agency"] = "KZ-BS",
        ["Identity:Senders:kz-bs-case-system:Country"] = "KZ",
        // Registered for UZ-CUS; KZ-BS will try to give it an entry of its own.
        ["Identity:Senders:uz-cus-rogue:Secret"] = Secret,
        ["Identity:Senders:uz-cus-rogue:Agency"] = "UZ-CUS",
        ["Identity:Senders:uz-cus-rogue:Country"] = "UZ",
    });

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task ARegisteredSenderSendsUnderItsDirectoryEntryAndSeesItsReceipts()
    {
        using var automation = Client(Host.HostSecrets.DemoAutomationClientId, Host.HostSecrets.DemoAutomationSecret);
        var sent = await automation.Relay.SendMessageAsync(Message("Automated notice"));

        using var recipient = await _system.ClientForUserAsync("khodjaev");
        var item = Assert.Single((await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 })).Items, i => i.MessageId == sent.MessageId);
        Assert.Equal("liaison-demo-automation", item.SenderId);
        Assert.Equal("KZ-BS border alerting system (demo)", item.SenderName);
        Assert.Single((await automation.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent.MessageId })).Receipts);

        // A sender has no inbox to read.
        await Expect.StatusAsync(StatusCode.PermissionDenied, () => automation.Relay.ListInboxAsync(new ListInboxRequest()).ResponseAsync);

        using var auditor = await _system.ClientForUserAsync("omarova");
        var trail = await Expect.TrailAsync(auditor, sent.MessageId, "message.sent");
        Assert.Equal("liaison-demo-automation", Assert.Single(trail, e => e.Action == "message.sent").Actor);
    }

    [Fact]
    public async Task ASenderWithoutAnEntryOrWithAnotherAgencysEntryIsRefused()
    {
        using var unnamed = Client("kz-bs-case-system", Secret);
        var refused = await Expect.StatusAsync(StatusCode.PermissionDenied, () => unnamed.Relay.SendMessageAsync(Message("From nowhere")).ResponseAsync);
        Assert.Contains("no sender entry", refused.Status.Detail, StringComparison.Ordinal);

        // Once its agency's administrator names it in the directory, it sends.
        using var admin = await _system.ClientForUserAsync("abenov");
        await admin.DirectoryAdmin.PutSenderAsync(new PutSenderRequest { Sender = new SenderInput { Id = "kz-bs-case-system", Name = "KZ-BS case system" } });
        await unnamed.Relay.SendMessageAsync(Message("From the case system"));

        // An entry of KZ-BS does not let a client registered for UZ-CUS send.
        await admin.DirectoryAdmin.PutSenderAsync(new PutSenderRequest { Sender = new SenderInput { Id = "uz-cus-rogue", Name = "Not ours" } });
        using var rogue = Client("uz-cus-rogue", Secret);
        await Expect.StatusAsync(StatusCode.PermissionDenied, () => rogue.Relay.SendMessageAsync(Message("Claiming KZ-BS")).ResponseAsync);

        using var recipient = await _system.ClientForUserAsync("khodjaev");
        var inbox = await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 });
        Assert.Contains(inbox.Items, i => i.Subject == "From the case system");
        Assert.DoesNotContain(inbox.Items, i => i.Subject is "From nowhere" or "Claiming KZ-BS");
    }

    [Fact]
    public async Task AdministratorsKeepOnlyTheirOwnAgencysSenders()
    {
        using var admin = await _system.ClientForUserAsync("abenov");
        await Expect.StatusAsync(StatusCode.PermissionDenied, () => admin.DirectoryAdmin.PutSenderAsync(new PutSenderRequest
        {
            Sender = new SenderInput { Id = "uz-cus-alerts", Name = "Someone else's", Agency = "UZ-CUS" },
        }).ResponseAsync);
        var clash = await Expect.StatusAsync(StatusCode.InvalidArgument, () => admin.DirectoryAdmin.PutSenderAsync(new PutSenderRequest
        {
            Sender = new SenderInput { Id = "kz-bs-sattarkhanov", Name = "An officer's id" },
        }).ResponseAsync);
        Assert.Equal(["sender.id"], TenancyTests.Fields(clash));
        using var officer = await _system.ClientForUserAsync("sattarkhanov");
        await Expect.StatusAsync(StatusCode.PermissionDenied, () => officer.DirectoryAdmin.DeleteSenderAsync(new DeleteRequest { Id = "liaison-demo-automation", ExpectedVersion = 1 }).ResponseAsync);
        var entry = await admin.Directory.GetSenderAsync(new GetSenderRequest { Id = "liaison-demo-automation" });
        Assert.Equal("KZ-BS", entry.Agency);
    }

    private LiaisonClient Client(string clientId, string secret) =>
        new(_system.Endpoints, new ClientCredentialsTokenSource(Http, new Uri(_system.Urls.Issuer, "connect/token"), clientId, secret, ["directory", "relay"]));

    private static SendMessageRequest Message(string subject) => new()
    {
        ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine, Subject = subject,
    };
}
