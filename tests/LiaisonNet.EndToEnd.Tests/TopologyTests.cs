using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Grpc.Core;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>One scaled-out system (two instances of every service but the identity server, HAProxy, Redis, PostgreSQL) for the tests that leave it whole.</summary>
public sealed class TopologyFixture : IAsyncLifetime
{
    public Topology Topology { get; private set; } = null!;

    public async Task InitializeAsync() => Topology = await Topology.StartAsync(new Dictionary<string, string?> { ["Directory:SearchesPerSecond"] = "1" });

    public async Task DisposeAsync()
    {
        if (Topology is not null)
        {
            await Topology.DisposeAsync();
        }
    }
}

/// <summary>The scaled-out system working as one: live push across gateways and relays, shared sessions, limits counted across instances, Redis away.</summary>
[Trait("Storage", "PostgresOnly")]
[Trait("Scale", "Topology")]
public sealed class TopologyTests(TopologyFixture fixture) : IClassFixture<TopologyFixture>
{
    private Topology Topology => fixture.Topology;

    [Fact]
    public async Task AMessageSentThroughOneGatewayAndRelayIsPushedWithinASecondByTheOtherGatewaySubscribedOnTheOtherRelay()
    {
        using var sender = await Topology.GatewaySessionAsync("sattarkhanov");
        using var recipient = await Topology.GatewaySessionAsync("khodjaev");
        var (gatewayA, gatewayB) = (new Uri(Topology.Gateways[0].Url), new Uri(Topology.Gateways[1].Url));

        // Gateway B (instance 2) subscribes on relay 2 first; gateway A sends through relay 1 first.
        var pushed = Channel.CreateUnbounded<InboxItemDto>();
        await using var hub = recipient.InboxHub(on: gatewayB);
        hub.On<InboxItemDto>("MessageReceived", item => pushed.Writer.TryWrite(item));
        await hub.StartAsync();
        var items = (await recipient.Http.GetFromJsonAsync<InboxPageDto>(new Uri(gatewayB, "/api/inbox?after=0&limit=200")))!.Items;
        var start = items.Count == 0 ? 0 : items[^1].Cursor;
        await hub.InvokeAsync("Subscribe", start);

        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var subject = $"Across instances {i} {Guid.NewGuid():n}";
            using var send = await sender.Http.PostAsJsonAsync(new Uri(gatewayA, "/api/messages"), new SendMessageDto(
                Guid.NewGuid().ToString(), ["uz-cus-khodjaev"], null, "FLASH", subject, "Convoy crossing at Oybek, 14:00 local."));
            Assert.Equal(HttpStatusCode.OK, send.StatusCode);
            var sent = (await send.Content.ReadFromJsonAsync<SentDto>())!;
            // From the commit (the send acknowledged to its sender) to the push on the other gateway.
            var clock = Stopwatch.StartNew();
            var item = await pushed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(1));
            latencies.Add(clock.Elapsed);
            Assert.Equal(sent.MessageId, item.MessageId);
            Assert.Equal(subject, item.Subject);
        }

        Assert.All(latencies, l => Assert.True(l < TimeSpan.FromSeconds(1), $"pushed after {l.TotalMilliseconds:F0} ms"));
        Assert.False(pushed.Reader.TryRead(out var extra), $"pushed twice: {extra?.MessageId}");
    }

    [Fact]
    public async Task ASessionFromOneGatewayWorksOnTheOtherAndSigningOutOnOneEndsItOnBoth()
    {
        using var session = await Topology.GatewaySessionAsync("zhaksylykova");
        foreach (var gateway in Topology.Gateways)
        {
            using var me = await session.Http.GetAsync(new Uri(new Uri(gateway.Url), "/api/me"));
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }

        // A live connection of the session on gateway 2 ...
        await using var hub = session.InboxHub(on: new Uri(Topology.Gateways[1].Url));
        var closed = new TaskCompletionSource();
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", 0L);

        using (var logout = await session.Http.PostAsync(new Uri(new Uri(Topology.Gateways[0].Url), "/account/logout"), null))
        {
            Assert.True(logout.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther, $"logout answered {logout.StatusCode}");
        }

        using var after = await session.Http.GetAsync(new Uri(new Uri(Topology.Gateways[1].Url), "/api/me"));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);

        // ... is closed at once by the sign-out on gateway 1, well before gateway 2's own check of its sessions (every 15 s).
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AnAdministratorsEditOnOneDirectoryInstanceIsFoundOnTheOtherWithinASecond() =>
        Assert.True(await EditReachesTheOtherDirectoryAsync("Жанқожаев Ерлан", "Zhankozhayev Erlan", TimeSpan.FromSeconds(1)),
            "the other directory instance did not find the new officer within a second");

    /// <summary>An officer added on directory 1: whether directory 2's index holds it within <paramref name="within"/>.</summary>
    private async Task<bool> EditReachesTheOtherDirectoryAsync(string native, string latin, TimeSpan within)
    {
        var token = await Topology.AccessTokenForUserAsync("abenov");
        using var first = Topology.ClientOnInstance(1, token);
        using var second = Topology.ClientOnInstance(2, token);
        var id = $"kz-bs-scaled-{Guid.NewGuid():n}"[..24];
        await first.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest { Officer = DirectoryServiceTests.Officer(id, native, latin) });
        return await FoundWithinAsync(second, latin, id, within);
    }

    /// <summary>Whether the instance's index holds the officer within <paramref name="within"/>, and then finds it by name.</summary>
    private static async Task<bool> FoundWithinAsync(LiaisonNet.Client.LiaisonClient client, string query, string id, TimeSpan within)
    {
        // Asked by id (not counted as searches), then searched for once: the index answers both.
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                await client.Directory.GetOfficerAsync(new GetOfficerRequest { Id = id });
                break;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return false;
            }
        }

        var result = await client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = query });
        return result.Officers.Any(o => o.Id == id);
    }

    [Fact]
    public async Task AnOfficers31stSearchInABurstIsRefusedWhicheverInstanceAnswers()
    {
        // Each instance on its own: every other search goes to the other directory instance.
        var token = await Topology.AccessTokenForUserAsync("asanov");
        using var first = Topology.ClientOnInstance(1, token);
        using var second = Topology.ClientOnInstance(2, token);
        // One after another, alternating: instance 1 answers the even ones, instance 2 the odd ones.
        var answers = new List<(int Instance, StatusCode Status)>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 40; i++)
        {
            var client = i % 2 == 0 ? first : second;
            try
            {
                await client.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = $"Khodjaev {i}" });
                answers.Add((i % 2 + 1, StatusCode.OK));
            }
            catch (RpcException ex)
            {
                answers.Add((i % 2 + 1, ex.StatusCode));
            }
        }

        clock.Stop();

        // The burst is 30, the steady rate 1 a second in this topology: counted apart, each instance would have granted
        // all of its 20. The 31st is the first refused (unless the time taken earned a token back), on either instance.
        var earned = (int)Math.Floor(clock.Elapsed.TotalSeconds);
        Assert.All(answers, a => Assert.True(a.Status is StatusCode.OK or StatusCode.ResourceExhausted, $"answered {a.Status}"));
        Assert.True(answers.Take(30).All(a => a.Status == StatusCode.OK), "one of the first 30 searches was refused");
        Assert.True(answers.Count(a => a.Status == StatusCode.OK) <= 30 + earned, $"{answers.Count(a => a.Status == StatusCode.OK)} granted in {clock.Elapsed.TotalMilliseconds:F0} ms");
        if (earned == 0)
        {
            Assert.Equal(StatusCode.ResourceExhausted, answers[30].Status);
        }

        Assert.Contains(answers.Skip(30), a => a.Instance == 1 && a.Status == StatusCode.ResourceExhausted);
        Assert.Contains(answers.Skip(30), a => a.Instance == 2 && a.Status == StatusCode.ResourceExhausted);
    }

    [Fact]
    public async Task WithRedisStoppedForThirtySecondsEverySendSucceedsAndEveryClientEndsWithExactlyWhatWasSent()
    {
        const string Recipient = "tj-dca-rahimov";
        using var sender = await Topology.ClientForUserAsync("sattarkhanov");
        using var session = await Topology.GatewaySessionAsync("rahimov");
        using var reader = await Topology.ClientForUserAsync("rahimov");
        var start = await RelayDurabilityTests.AllOf(reader) is { Count: > 0 } existing ? existing[^1].Cursor : 0;

        // Two live clients: a browser on gateway 2 (its feed on relay 2 first), and an SDK stream on relay 1 itself.
        var hubItems = new List<InboxItemDto>();
        await using var hub = session.InboxHub(on: new Uri(Topology.Gateways[1].Url));
        hub.On<InboxItemDto>("MessageReceived", item => { lock (hubItems) { hubItems.Add(item); } });
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", start);
        var streamItems = new List<Protos.Relay.V1.InboxItem>();
        using var onRelay1 = await OnFirstInstancesAsync("rahimov");
        using var stopStream = new CancellationTokenSource();
        var stream = Task.Run(async () =>
        {
            using var call = onRelay1.Relay.Subscribe(new Protos.Relay.V1.SubscribeRequest { AfterCursor = start }, cancellationToken: stopStream.Token);
            try
            {
                await foreach (var item in call.ResponseStream.ReadAllAsync(stopStream.Token))
                {
                    lock (streamItems)
                    {
                        streamItems.Add(item);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
            }
        });

        // Sends throughout, through the load balancer, while Redis is away for 30 s in the middle.
        var sent = new List<string>();
        var failures = new List<string>();
        using var stopSending = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            for (var n = 0; !stopSending.IsCancellationRequested; n++)
            {
                try
                {
                    var response = await sender.Relay.SendMessageAsync(new Protos.Relay.V1.SendMessageRequest
                    {
                        ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { Recipient }, Precedence = Protos.Relay.V1.Precedence.Priority,
                        Subject = $"Redis away {n}", Body = "Checkpoint report.",
                    });
                    sent.Add(response.MessageId);
                }
                catch (RpcException ex)
                {
                    failures.Add($"{n}: {ex.StatusCode} {ex.Status.Detail}");
                }

                await Task.Delay(50);
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(2));
        await Topology.Redis.StopAsync();
        var outage = Stopwatch.StartNew();
        try
        {
            // Meanwhile an administrator's edit on directory 1 reaches directory 2 all the same: it misses the signal
            // and reads the change sequence for itself.
            Assert.True(await EditReachesTheOtherDirectoryAsync("Оразбаев Нурлан", "Orazbayev Nurlan", TimeSpan.FromSeconds(10)),
                "directory 2 did not catch up while Redis was away");
            await Task.Delay(TimeSpan.FromSeconds(30) - outage.Elapsed);
        }
        finally
        {
            // Back for the tests that follow, whatever happened here.
            await Topology.Redis.RestartAsync();
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopSending.CancelAsync();
        await sending;
        Assert.Empty(failures);
        Assert.True(sent.Count > 100, $"only {sent.Count} sent");

        // Every client ends with exactly what was sent, in cursor order, no gap, no repeat.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (Count(hubItems) < sent.Count || Count(streamItems) < sent.Count))
        {
            await Task.Delay(100);
        }

        await stopStream.CancelAsync();
        await stream;
        var inbox = (await RelayDurabilityTests.AllOf(reader)).Where(i => i.Cursor > start).ToList();
        Assert.Equal(sent.Order(), inbox.Select(i => i.MessageId).Order());
        AssertWhole(start, sent, [.. hubItems.Select(i => (i.MessageId, i.Cursor))]);
        AssertWhole(start, sent, [.. streamItems.Select(i => (i.MessageId, i.Cursor))]);

        // Live push across instances is back: sent through relay 1, pushed within a second by gateway 2.
        using var senderOnRelay1 = await OnFirstInstancesAsync("sattarkhanov");
        for (var n = 0; n < 3; n++)
        {
            var before = Count(hubItems);
            var probe = await senderOnRelay1.Relay.SendMessageAsync(new Protos.Relay.V1.SendMessageRequest
            {
                ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { Recipient }, Precedence = Protos.Relay.V1.Precedence.Flash, Subject = $"Redis back {n}",
            });
            var pushedBy = DateTime.UtcNow.AddSeconds(1);
            while (DateTime.UtcNow < pushedBy && Count(hubItems) == before)
            {
                await Task.Delay(20);
            }

            lock (hubItems)
            {
                Assert.Equal(probe.MessageId, hubItems[^1].MessageId);
            }
        }

        static int Count<T>(List<T> items)
        {
            lock (items)
            {
                return items.Count;
            }
        }
    }

    /// <summary>A client of the first instance of each service only, as a user.</summary>
    private async Task<LiaisonNet.Client.LiaisonClient> OnFirstInstancesAsync(string user) => Topology.ClientOnInstance(1, await Topology.AccessTokenForUserAsync(user));

    /// <summary>The items a live client received: each sent message once, cursors one after another from <paramref name="start"/>.</summary>
    private static void AssertWhole(long start, List<string> sent, List<(string MessageId, long Cursor)> received)
    {
        Assert.Equal(sent.Count, received.Count);
        Assert.Equal(sent.Order(), received.Select(r => r.MessageId).Order());
        Assert.Equal(Enumerable.Range(1, received.Count).Select(n => start + n), received.Select(r => r.Cursor));
    }
}
