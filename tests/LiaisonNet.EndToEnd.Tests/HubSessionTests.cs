using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>A live inbox connection lasts only as long as the browser session behind it.</summary>
public sealed class HubSessionTests : IAsyncLifetime
{
    private RunningSystem _system = null!;

    public async Task InitializeAsync() => _system = await RunningSystem.StartAsync(new Dictionary<string, string?>
    {
        ["Identity:AccessTokenLifetime"] = "00:00:05",
        ["Gateway:SessionCheckInterval"] = "00:00:01",
    });

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task AUsersConnectionsShareOneRelaySubscriptionAndEachGetsEveryMessageOnce()
    {
        var pumps = _system.ServiceOf<LiaisonNet.Gateway.Hubs.InboxPumps>(LiaisonNet.ServiceDefaults.Hosting.ServiceKind.Gateway);
        var before = pumps.Feeds;
        using var first = await _system.GatewaySessionAsync("zhaksylykova");
        using var second = await _system.GatewaySessionAsync("zhaksylykova");
        var received = new[] { new System.Collections.Concurrent.ConcurrentQueue<string>(), new(), new() };
        var hubs = new[] { first.InboxHub(), first.InboxHub(), second.InboxHub() };
        try
        {
            for (var i = 0; i < hubs.Length; i++)
            {
                var queue = received[i];
                hubs[i].On<LiaisonNet.Gateway.Api.InboxItemDto>("MessageReceived", item => queue.Enqueue(item.MessageId));
                await hubs[i].StartAsync();
                await hubs[i].InvokeAsync("Subscribe", 0L);
            }

            // Three connections of one user (two tabs of one session, another session): one relay stream between them.
            Assert.Equal(before + 1, pumps.Feeds);
            using var sender = await _system.ClientForUserAsync("sattarkhanov");
            var sent = new List<string>();
            for (var n = 0; n < 5; n++)
            {
                sent.Add((await sender.Relay.SendMessageAsync(new LiaisonNet.Protos.Relay.V1.SendMessageRequest
                {
                    ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-cus-zhaksylykova" }, Precedence = LiaisonNet.Protos.Relay.V1.Precedence.Routine,
                    Subject = $"Fan-out {n}",
                })).MessageId);
            }

            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (received.Any(q => !sent.All(q.Contains)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            foreach (var queue in received)
            {
                var mine = queue.Where(sent.Contains).ToList();
                Assert.Equal(sent, mine);
            }
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }

        var closedBy = DateTime.UtcNow.AddSeconds(10);
        while (pumps.Feeds > before && DateTime.UtcNow < closedBy)
        {
            await Task.Delay(50);
        }

        Assert.Equal(before, pumps.Feeds);
    }

    [Fact]
    public async Task SigningOutClosesTheLiveConnection()
    {
        using var session = await _system.GatewaySessionAsync("rahimov");
        await using var hub = await ConnectedHubAsync(session);
        using var signOut = await session.Http.PostAsync(new Uri("/account/logout", UriKind.Relative), null);
        await AssertClosedAsync(hub);
    }

    [Fact]
    public async Task DisablingTheAccountClosesTheLiveConnectionWhileTokensKeepBeingRenewedForOthers()
    {
        var adminToken = await _system.AccessTokenForUserAsync("abenov");
        using var admin = new LiaisonClient(_system.Endpoints, new StaticTokenSource(adminToken));
        var account = await admin.Accounts.CreateAccountAsync(new CreateAccountRequest { UserName = "kz.hub.officer", DisplayName = "Hub Officer", Roles = { "officer" } });
        using var doomed = new GatewaySession(new Uri(_system.Urls.Gateway));
        await doomed.SignInAsync("kz.hub.officer", account.InitialPassword);
        await using var doomedHub = await ConnectedHubAsync(doomed);

        using var colleague = await _system.GatewaySessionAsync("sattarkhanov");
        await using var colleagueHub = await ConnectedHubAsync(colleague);

        await admin.Accounts.DisableAccountAsync(new AccountRef { AccountId = account.Account.Id });
        await AssertClosedAsync(doomedHub);

        // The colleague's connection outlives several token lifetimes: its token is renewed, not dropped.
        await Task.Delay(TimeSpan.FromSeconds(12));
        Assert.Equal(HubConnectionState.Connected, colleagueHub.State);
        using var me = await colleague.Http.GetAsync(new Uri("/api/me", UriKind.Relative));
        Assert.True(me.IsSuccessStatusCode);
    }

    private static async Task<HubConnection> ConnectedHubAsync(GatewaySession session)
    {
        var hub = session.InboxHub();
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", 0L);
        return hub;
    }

    private static async Task AssertClosedAsync(HubConnection hub)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (hub.State != HubConnectionState.Disconnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }
}
