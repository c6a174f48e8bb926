using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Grpc.Core;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>Instances of the scaled-out system killed with SIGKILL while officers work: each test on a topology of its own.</summary>
[Trait("Storage", "PostgresOnly")]
[Trait("Scale", "Topology")]
public sealed class TopologyFailoverTests
{
    [Fact]
    public async Task ARelayKilledInTheMiddleOfTenThousandSendsLosesNothingDuplicatesNothingAndLiveClientsCatchUpWithNoGap()
    {
        const int Clients = 8;
        const int PerClient = 1250;
        await using var topology = await Topology.StartAsync();
        var relay1 = topology.Relays[0];

        // Live clients: an SDK stream on relay 1 (the one killed) that resubscribes through the balanced channel, and a
        // browser on gateway 1, whose feed runs on relay 1 first.
        var (streamUser, streamId) = (RelayDurabilityTests.RecipientUsers[0], RelayDurabilityTests.RecipientIds[0]);
        var (hubUser, hubId) = (RelayDurabilityTests.RecipientUsers[1], RelayDurabilityTests.RecipientIds[1]);
        using var streamer = await topology.ClientForUserAsync(streamUser, clientSideBalancing: true);
        var streamed = new ConcurrentQueue<InboxItem>();
        using var stop = new CancellationTokenSource();
        var stream = Task.Run(async () =>
        {
            var cursor = 0L;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var call = streamer.Relay.Subscribe(new SubscribeRequest { AfterCursor = cursor }, cancellationToken: stop.Token);
                    await foreach (var item in call.ResponseStream.ReadAllAsync(stop.Token))
                    {
                        streamed.Enqueue(item);
                        cursor = item.Cursor;
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or RpcException)
                {
                    // Stopped, or the stream broke: resubscribe from the last cursor seen, on whichever instance answers.
                }
            }
        });
        using var session = await topology.GatewaySessionAsync(hubUser);
        var pushed = new ConcurrentQueue<InboxItemDto>();
        await using var hub = session.InboxHub(on: new Uri(topology.Gateways[0].Url));
        hub.On<InboxItemDto>("MessageReceived", pushed.Enqueue);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", 0L);

        using var sender = await topology.ClientForUserAsync("sattarkhanov", clientSideBalancing: true);
        var acknowledged = new ConcurrentDictionary<string, (string MessageId, string Recipient)>();
        var killer = Task.Run(async () =>
        {
            while (acknowledged.Count < Clients * PerClient * 3 / 10)
            {
                await Task.Delay(5);
            }

            await relay1.KillAsync();
        });
        var retries = await RelayDurabilityTests.SendRetryingAsync(sender, "topology-crash", Clients, PerClient, acknowledged,
            code => code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Cancelled);
        await killer;
        Assert.True(relay1.Killed);
        Assert.True(retries > 0, "The relay was killed while sends were in flight, so some had to be retried.");
        Assert.Equal(Clients * PerClient, acknowledged.Count);
        await RelayDurabilityTests.AssertEachOnceAsync(user => topology.ClientForUserAsync(user, clientSideBalancing: true), [.. acknowledged.Values]);

        // The live clients caught up: each acknowledged message to them once, in cursor order, no gap.
        var toStream = acknowledged.Values.Where(a => a.Recipient == streamId).Select(a => a.MessageId).ToHashSet();
        var toHub = acknowledged.Values.Where(a => a.Recipient == hubId).Select(a => a.MessageId).ToHashSet();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (streamed.Count < toStream.Count || pushed.Count < toHub.Count))
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await stream;
        AssertWhole(toStream, [.. streamed.Select(i => (i.MessageId, i.Cursor))]);
        AssertWhole(toHub, [.. pushed.Select(i => (i.MessageId, i.Cursor))]);
    }

    [Fact]
    public async Task AGatewayKilledMovesItsBrowsersToTheOtherWithTheSameSessionAndTheyGetWhatTheyMissedExactlyOnce()
    {
        await using var topology = await Topology.StartAsync();
        using var sender = await topology.ClientForUserAsync("sattarkhanov");
        using var session = await topology.GatewaySessionAsync("asanov");

        // Through the load balancer, as a browser; its sticky cookie keeps it on one gateway until that one dies.
        var pushed = new ConcurrentQueue<InboxItemDto>();
        await using var hub = session.InboxHub();
        hub.On<InboxItemDto>("MessageReceived", pushed.Enqueue);
        var reconnected = 0;
        hub.Closed += async _ =>
        {
            // As the page does: connect again and subscribe from the highest cursor shown.
            for (var attempt = 0; attempt < 50; attempt++)
            {
                try
                {
                    await hub.StartAsync();
                    await hub.InvokeAsync("Subscribe", pushed.IsEmpty ? 0L : pushed.Max(i => i.Cursor));
                    Interlocked.Increment(ref reconnected);
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException or System.Net.WebSockets.WebSocketException)
                {
                    await Task.Delay(200);
                }
            }
        };
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", 0L);

        var sent = new List<string>();
        async Task SendAsync(int n)
        {
            try
            {
                sent.Add((await sender.Relay.SendMessageAsync(new SendMessageRequest
                {
                    ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kg-bs-asanov" }, Precedence = Precedence.Immediate, Subject = $"Gateway failover {n}",
                })).MessageId);
            }
            catch (RpcException ex)
            {
                var logs = string.Join(Environment.NewLine, topology.Relays.Concat(topology.Directories).Select(i => $"--- {i.Kind} {i.Number}:{Environment.NewLine}{i.Process.Output}"));
                throw new InvalidOperationException($"Send {n} failed: {ex.Status}{Environment.NewLine}{logs}", ex);
            }
        }
        for (var n = 0; n < 20; n++)
        {
            await SendAsync(n);
        }

        await WaitForAsync(() => pushed.Count >= 20, "the first 20 pushes");

        // Which gateway holds the connection: the one whose sticky cookie the balancer set.
        var holder = topology.Gateways.Single(g => session.Cookies.GetCookies(new Uri(topology.Urls.Gateway)).Any(c => c.Name == "liaison-lb" && c.Value.EndsWith($"-{g.Number}", StringComparison.Ordinal)));
        await holder.KillAsync();
        for (var n = 20; n < 60; n++)
        {
            await SendAsync(n);
        }

        await WaitForAsync(() => pushed.Count >= 60 && reconnected > 0, "the pushes after the reconnection");
        Assert.Equal(1, reconnected);
        var items = pushed.ToList();
        Assert.Equal(sent.Order(), items.Select(i => i.MessageId).Order());
        Assert.Equal(items.Count, items.Select(i => i.MessageId).Distinct().Count());
        Assert.Equal(items.Select(i => i.Cursor).Order(), items.Select(i => i.Cursor));

        // The same session, on the gateway left.
        using var me = await session.Http.GetAsync(new Uri("/api/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task AnEscalationDueWhileItsRelayIsKilledFiresExactlyOnceOnTheOther()
    {
        const string Desk = "kz-bs-failover-desk";
        await using var topology = await Topology.StartAsync(new Dictionary<string, string?> { ["Relay:Deadlines:Flash"] = "00:00:03" });
        using var admin = await topology.ClientForUserAsync("abenov");
        await admin.DirectoryAdmin.PutDeskAsync(new PutDeskRequest
        {
            Desk = new DeskInput
            {
                Id = Desk, Name = "Failover desk", TimeZone = "Asia/Almaty", Supervisor = "kz-bs-ghabdullin", EscalationDesk = "kz-bs-national-desk",
                Roster = { new Shift { Days = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }, Start = "00:00", End = "00:00", Primary = "kz-bs-sattarkhanov", Backup = "kz-bs-qasymov" } },
            },
        });

        // The relay that runs escalations now (it holds the lease) is the one killed before the deadline.
        var relays = topology.DatabaseOf(ServiceKind.Relay);
        var holder = await HolderAsync(topology, relays);
        using var sender = await topology.ClientForUserAsync("khodjaev", clientSideBalancing: true);
        var sent = (await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { $"desk:{Desk}" }, Precedence = Precedence.Flash, Subject = "Unanswered while a relay dies",
        })).MessageId;
        await holder.KillAsync();

        var survivor = await HolderAsync(topology, relays);
        Assert.NotSame(holder, survivor);
        using var auditor = await topology.ClientForUserAsync("omarova");
        var trail = await Expect.TrailAsync(auditor, sent, "message.escalation_exhausted");
        Assert.Equal(2, trail.Count(e => e.Action == "message.escalated"));
        Assert.Single(trail, e => e.Action == "message.escalation_exhausted");
        var receipts = await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = sent });
        Assert.Equal(["kz-bs-ghabdullin", "kz-bs-qasymov", "kz-bs-sattarkhanov"], receipts.Receipts.Select(r => r.RecipientId).Order());
    }

    /// <summary>The live relay instance that holds the escalation lease, once one does.</summary>
    private static async Task<Instance> HolderAsync(Topology topology, ServiceDefaults.Storage.PostgresDatabase relays)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var name = await relays.LeaseHolderAsync("relay.escalation");
            if (topology.Relays.FirstOrDefault(r => !r.Killed && name?.EndsWith($" pid {r.Process.ProcessId}", StringComparison.Ordinal) == true) is { } holder)
            {
                return holder;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("No live relay instance took the escalation lease within 20 s.");
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 30 s for {what}.");
            }

            await Task.Delay(50);
        }
    }

    private static void AssertWhole(HashSet<string> expected, List<(string MessageId, long Cursor)> received)
    {
        Assert.Equal(expected.Count, received.Count);
        Assert.True(expected.SetEquals(received.Select(r => r.MessageId)), "a live client received other messages than those sent to it");
        Assert.Equal(Enumerable.Range(1, received.Count).Select(n => (long)n), received.Select(r => r.Cursor));
    }
}
