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
        var (second, secondSocket, secondUrls) = await SecondAsync(system, ServiceKind.Relay);
        await using var secondRelay = second;
        using var secondListener = secondSocket;
        var urls = system.Urls;
        var secondEndpoints = new LiaisonEndpoints(new Uri(urls.Directory), new Uri(secondUrls.Relay), new Uri(urls.Audit), new Uri(urls.IdentityAdmin));

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

    /// <summary>A second process of <paramref name="kind"/> on the same settings and database, serving on a socket of its own.</summary>
    private static async Task<(ServiceProcess Process, LoopbackListener Socket, ServiceUrls Urls)> SecondAsync(RunningSystem system, ServiceKind kind)
    {
        var socket = new LoopbackListener();
        var urls = system.Urls;
        var second = new ServiceUrls
        {
            Gateway = urls.Gateway, Identity = urls.Identity, Directory = urls.Directory, IdentityAdmin = urls.IdentityAdmin,
            Relay = kind == ServiceKind.Relay ? socket.Url : urls.Relay, Audit = kind == ServiceKind.Audit ? socket.Url : urls.Audit,
        };
        var process = new ServiceProcess(kind, system.Settings, socket);
        await process.StartAsync();
        return (process, socket, second);
    }

    [Fact]
    public async Task TwoRelayProcessesOnOneDatabaseTakeEachEscalationStepOnce()
    {
        const string Desk = "kz-bs-two-relays-desk";
        await using var postgres = await PostgresServer.StartAsync();
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?>(postgres.Settings) { ["Relay:Deadlines:Flash"] = "00:00:02" });
        var (second, socket, _) = await SecondAsync(system, ServiceKind.Relay);
        await using var secondRelay = second;
        using var secondSocket = socket;
        using var admin = await system.ClientForUserAsync("abenov");
        await admin.DirectoryAdmin.PutDeskAsync(new LiaisonNet.Protos.Directory.V1.PutDeskRequest
        {
            Desk = new LiaisonNet.Protos.Directory.V1.DeskInput
            {
                Id = Desk, Name = "Two relays desk", TimeZone = "Asia/Almaty", Supervisor = "kz-bs-ghabdullin", EscalationDesk = "kz-bs-national-desk",
                Roster = { new LiaisonNet.Protos.Directory.V1.Shift { Days = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }, Start = "00:00", End = "00:00", Primary = "kz-bs-sattarkhanov", Backup = "kz-bs-qasymov" } },
            },
        });

        // Both relays' workers find the same steps due at the same moments.
        using var sender = await system.ClientForUserAsync("khodjaev");
        var sent = new List<string>();
        for (var n = 0; n < 10; n++)
        {
            sent.Add((await sender.Relay.SendMessageAsync(new SendMessageRequest
            {
                ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { $"desk:{Desk}" }, Precedence = Precedence.Flash, Subject = $"Unanswered {n}",
            })).MessageId);
        }

        using var auditor = await system.ClientForUserAsync("omarova");
        foreach (var messageId in sent)
        {
            var trail = await Expect.TrailAsync(auditor, messageId, "message.escalation_exhausted");
            Assert.Equal(2, trail.Count(e => e.Action == "message.escalated"));
            Assert.Single(trail, e => e.Action == "message.escalation_exhausted");
            var receipts = await sender.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = messageId });
            Assert.Equal(["kz-bs-ghabdullin", "kz-bs-qasymov", "kz-bs-sattarkhanov"], receipts.Receipts.Select(r => r.RecipientId).Order());
        }
    }

    [Fact]
    public async Task TwoAuditProcessesOnOneDatabaseReceivingTheSameEventsKeepOneLogWhoseMonitorVerdictBothReport()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?>(postgres.Settings) { ["Audit:VerifyInterval"] = "00:00:01" });
        var (second, socket, secondUrls) = await SecondAsync(system, ServiceKind.Audit);
        await using var secondAudit = second;
        using var secondSocket = socket;

        var secrets = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(system.DataPath, "host-secrets.json"))).RootElement;
        using var http = new HttpClient();
        var tokens = new ClientCredentialsTokenSource(http, new Uri(system.Urls.Issuer, "connect/token"), "liaison-relay",
            secrets.GetProperty("RelayClientSecret").GetString()!, ["audit.append"]);
        using var first = new LiaisonClient(system.Endpoints, tokens);
        using var other = new LiaisonClient(new LiaisonEndpoints(new Uri(system.Urls.Directory), new Uri(system.Urls.Relay), new Uri(secondUrls.Audit), new Uri(system.Urls.IdentityAdmin)), tokens);

        // The same outbox events reach both (as a retry through another instance would), in other batches and orders.
        var events = Enumerable.Range(0, 2000).Select(i => new LiaisonNet.Protos.Audit.V1.AuditEvent
        {
            EventId = $"both-{i}", OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow), Actor = "test", Action = "test.appended",
            ObjectType = "test", ObjectId = $"object-{i}", Agencies = { "KZ-BS" }, Source = "tests",
        }).ToList();
        await Task.WhenAll(
            Task.Run(async () =>
            {
                foreach (var batch in events.Chunk(100))
                {
                    await first.Audit.AppendAsync(new LiaisonNet.Protos.Audit.V1.AppendRequest { Events = { batch } });
                }
            }),
            Task.Run(async () =>
            {
                foreach (var batch in events.AsEnumerable().Reverse().Chunk(70))
                {
                    await other.Audit.AppendAsync(new LiaisonNet.Protos.Audit.V1.AppendRequest { Events = { batch } });
                }
            }));

        // Both processes sign the same tree: the same size and root.
        var auditorToken = new StaticTokenSource(await system.AccessTokenForUserAsync("omarova"));
        using var auditor = new LiaisonClient(system.Endpoints, auditorToken);
        using var otherAuditor = new LiaisonClient(new LiaisonEndpoints(new Uri(system.Urls.Directory), new Uri(system.Urls.Relay), new Uri(secondUrls.Audit), new Uri(system.Urls.IdentityAdmin)), auditorToken);
        var a = await auditor.Audit.GetCheckpointAsync(new LiaisonNet.Protos.Audit.V1.GetCheckpointRequest());
        var b = await otherAuditor.Audit.GetCheckpointAsync(new LiaisonNet.Protos.Audit.V1.GetCheckpointRequest());
        Assert.Equal((a.TreeSize, a.RootHash), (b.TreeSize, b.RootHash));

        var ids = new List<string>();
        for (long start = 0; start < a.TreeSize; start += 1000)
        {
            var page = await auditor.Audit.GetEntriesAsync(new LiaisonNet.Protos.Audit.V1.GetEntriesRequest { Start = start, End = Math.Min(a.TreeSize, start + 1000) });
            Assert.Equal(Enumerable.Range((int)start, page.Entries.Count).Select(i => (long)i), page.Entries.Select(e => e.Index));
            ids.AddRange(page.Entries.Where(e => e.Event is not null).Select(e => e.Event.EventId).Where(id => id.StartsWith("both-", StringComparison.Ordinal)));
        }

        Assert.Equal(events.Count, ids.Count);
        Assert.Equal(events.Count, ids.Distinct().Count());

        // The monitor (in whichever process holds its lease) re-reads the stored log of that size and finds it whole;
        // both processes report its verdict.
        await Expect.SavedCheckpointCoversAsync(system.DataPath, a.TreeSize);
        foreach (var audit in new[] { system.Urls.Audit, secondUrls.Audit })
        {
            await Expect.HealthAsync(audit, "Healthy");
        }
    }
}
