using System.Collections.Concurrent;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static LiaisonNet.EndToEnd.Tests.RelayDurabilityTests;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// The relay on a real PostgreSQL server: nothing lost or doubled when the database crashes mid-way, and several relay
/// processes writing to one database keep every inbox gap-free. These start a server of their own on every run.
/// </summary>
[Trait("Storage", "PostgresOnly")]
public sealed class PostgresRelayTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PostgresStoppedImmediatelyMidwayLosesNothingAndDuplicatesNothing()
    {
        const int Clients = 8;
        const int PerClient = 1250;
        await using var postgres = await PostgresServer.StartAsync();
        await using var system = await RunningSystem.StartAsync(postgres.Settings);
        using var sender = await system.ClientForUserAsync("sattarkhanov");
        var acknowledged = new ConcurrentDictionary<string, (string MessageId, string Recipient)>();
        var crashed = new TaskCompletionSource();
        var crasher = Task.Run(async () =>
        {
            while (acknowledged.Count < Clients * PerClient * 3 / 10)
            {
                await Task.Delay(5);
            }

            // No checkpoint, no clean shutdown: the server recovers from its write-ahead log at the next start.
            await postgres.CrashAsync();
            crashed.SetResult();
            await Task.Delay(1000);
            await postgres.RestartAsync();
        });

        // A send that failed, or whose answer never came, is sent again with the same id until it is acknowledged.
        var retries = await SendRetryingAsync(sender, "pg-crash", Clients, PerClient, acknowledged, code => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded);
        await crasher;
        Assert.True(crashed.Task.IsCompleted);
        Assert.True(retries > 0, "The database crashed while sends were in flight, so some had to be retried.");
        Assert.Equal(Clients * PerClient, acknowledged.Count);
        await AssertEachOnceAsync(system, acknowledged.Values.ToHashSet());
        // Every service rode out the outage: no background worker gave up, so none stopped its host.
        Assert.DoesNotContain(system.Logs.Entries, e => e.Category.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal) && e.Level >= LogLevel.Error);
        output.WriteLine($"{Clients * PerClient} sends through a PostgreSQL crash: {retries} retries, none lost, none doubled.");
    }

    [Fact]
    public async Task TwoRelayProcessesOnOneDatabaseDeliverEveryMessageToAStreamingSubscriberOnceAndInCursorOrder()
    {
        const int Total = 5000;
        await using var postgres = await PostgresServer.StartAsync();
        await using var system = await RunningSystem.StartAsync(postgres.Settings);
        // A second relay, a process of its own, on the same database: the embedded one and this one both take sends.
        using var secondSocket = new LoopbackListener();
        var urls = system.Urls;
        var secondUrls = new ServiceUrls
        {
            Gateway = urls.Gateway, Identity = urls.Identity, Directory = urls.Directory, Relay = secondSocket.Url, Audit = urls.Audit, IdentityAdmin = urls.IdentityAdmin,
        };
        await using var second = new ServiceProcess(ServiceKind.Relay, system.Settings, secondUrls, secondSocket);
        await second.StartAsync();
        var secondEndpoints = new LiaisonEndpoints(new Uri(urls.Directory), new Uri(secondSocket.Url), new Uri(urls.Audit), new Uri(urls.IdentityAdmin));

        // The subscriber streams from the first relay throughout.
        using var recipient = await system.ClientForUserAsync("khodjaev");
        var streamed = new List<InboxItem>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var allStreamed = new TaskCompletionSource();
        var subscriber = Task.Run(async () =>
        {
            using var stream = recipient.Relay.Subscribe(new SubscribeRequest(), cancellationToken: stop.Token);
            try
            {
                await foreach (var item in stream.ResponseStream.ReadAllAsync(stop.Token))
                {
                    lock (streamed)
                    {
                        streamed.Add(item);
                        if (streamed.Count(i => i.Subject.StartsWith("Two relays ", StringComparison.Ordinal)) == Total)
                        {
                            allStreamed.TrySetResult();
                        }
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
            {
            }
        });

        var senders = new[] { "sattarkhanov", "zhaksylykova", "asanov", "rahimov" };
        var sent = new ConcurrentDictionary<string, string>();
        await Task.WhenAll(senders.Select((user, s) => Task.Run(async () =>
        {
            using var viaFirst = await system.ClientForUserAsync(user);
            using var viaSecond = new LiaisonClient(secondEndpoints, new StaticTokenSource(await system.AccessTokenForUserAsync(user)));
            // Half the senders write through each relay.
            var relay = s % 2 == 0 ? viaFirst.Relay : viaSecond.Relay;
            await Parallel.ForAsync(0, Total / senders.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, cancellation) =>
            {
                var response = await relay.SendMessageAsync(new SendMessageRequest
                {
                    ClientMessageId = $"two-relays-{user}-{n}", ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine,
                    Subject = $"Two relays {user} {n}", Body = "One of five thousand.",
                }, cancellationToken: cancellation);
                sent[response.MessageId] = user;
            });
        })));
        Assert.Equal(Total, sent.Count);

        await allStreamed.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await subscriber;

        List<InboxItem> seen;
        lock (streamed)
        {
            seen = [.. streamed.Where(i => i.Subject.StartsWith("Two relays ", StringComparison.Ordinal))];
        }

        // Exactly once each, in cursor order, with no gap: nothing the stream passed over appeared later below its cursor.
        Assert.Equal(Total, seen.Select(i => i.MessageId).Distinct().Count());
        Assert.Equal(Total, seen.Count);
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First.Cursor < p.Second.Cursor), "the stream's cursors must only grow");
        Assert.True(sent.Keys.ToHashSet().SetEquals(seen.Select(i => i.MessageId)));
        var listed = (await AllOf(recipient)).Where(i => i.Subject.StartsWith("Two relays ", StringComparison.Ordinal)).ToList();
        Assert.Equal(seen.Select(i => (i.Cursor, i.MessageId)), listed.Select(i => (i.Cursor, i.MessageId)));
    }
}
