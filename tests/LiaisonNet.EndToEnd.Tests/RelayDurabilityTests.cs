using System.Collections.Concurrent;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>Never lost, never duplicated: idempotent sends, an audit outage, and a relay killed with SIGKILL mid-way.</summary>
public sealed class RelayDurabilityTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    internal static readonly string[] RecipientUsers = ["khodjaev", "asanov", "rahimov", "zhaksylykova"];
    internal static readonly string[] RecipientIds = ["uz-cus-khodjaev", "kg-bs-asanov", "tj-dca-rahimov", "kz-cus-zhaksylykova"];

    [Fact]
    public async Task OneClientMessageIdSentAThousandTimesAtOnceIsOneMessage()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var request = Message(Guid.NewGuid().ToString(), 0);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => sender.Relay.SendMessageAsync(request).ResponseAsync));
        var messageId = Assert.Single(outcomes.Select(o => o.MessageId).Distinct());

        using var recipient = await fixture.System.ClientForUserAsync(RecipientUsers[0]);
        var inbox = await AllOf(recipient);
        Assert.Single(inbox, i => i.MessageId == messageId);

        var changed = request.Clone();
        changed.Body = "Something else under the same id.";
        var refused = await Assert.ThrowsAsync<RpcException>(() => sender.Relay.SendMessageAsync(changed).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, refused.StatusCode);
    }

    [Fact]
    public async Task WithTheAuditServiceDownEverySendSucceedsAndTheTrailCatchesUpExactlyOnce()
    {
        await using var system = await RunningSystem.StartAsync();
        using var sender = await system.ClientForUserAsync("sattarkhanov");
        await system.StopServiceAsync(ServiceKind.Audit);

        var sent = new ConcurrentBag<string>();
        await Parallel.ForAsync(0, 5000, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, cancellation) =>
            sent.Add((await sender.Relay.SendMessageAsync(Message($"audit-down-{n}", n), cancellationToken: cancellation)).MessageId));
        Assert.Equal(5000, sent.Distinct().Count());

        await system.StartServiceAsync(ServiceKind.Audit);
        using var auditor = await system.ClientForUserAsync("omarova");
        var counts = await SentEventsAsync(auditor, expected: 5000);
        Assert.Equal(5000, counts.Count);
        Assert.All(sent, id => Assert.Equal(1, counts.GetValueOrDefault(id)));
    }

    [Fact]
    public async Task RelayKilledWithSigkillMidwayLosesNothingAndDuplicatesNothing()
    {
        const int Clients = 8;
        const int PerClient = 1250;
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Host:Exclude"] = "Relay" });
        await using var relay = system.ProcessOf(ServiceKind.Relay);
        await relay.StartAsync();

        using var sender = await system.ClientForUserAsync("sattarkhanov");
        var acknowledged = new ConcurrentDictionary<string, (string MessageId, string Recipient)>();
        var killed = new TaskCompletionSource();
        var killer = Task.Run(async () =>
        {
            while (acknowledged.Count < Clients * PerClient * 3 / 10)
            {
                await Task.Delay(5);
            }

            await relay.KillAsync();
            killed.SetResult();
            await Task.Delay(500);
            await relay.StartAsync();
        });

        var retries = await SendRetryingAsync(sender, "crash", Clients, PerClient, acknowledged,
            code => code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Cancelled);
        await killer;
        Assert.True(killed.Task.IsCompleted);
        Assert.True(retries > 0, "The relay was killed while sends were in flight, so some had to be retried.");
        Assert.Equal(Clients * PerClient, acknowledged.Count);
        await AssertEachOnceAsync(system, acknowledged.Values.ToHashSet());
    }

    /// <summary>
    /// <paramref name="clients"/> × <paramref name="perClient"/> sends, each sent again with the same client message id
    /// after a failure <paramref name="retryable"/> accepts, until acknowledged; returns the number of retries.
    /// </summary>
    internal static async Task<int> SendRetryingAsync(LiaisonClient sender, string prefix, int clients, int perClient,
        ConcurrentDictionary<string, (string MessageId, string Recipient)> acknowledged, Func<StatusCode, bool> retryable)
    {
        var retries = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (var n = 0; n < perClient; n++)
            {
                var id = $"{prefix}-{client}-{n}";
                var request = Message(id, client * perClient + n);
                while (true)
                {
                    try
                    {
                        var response = await sender.Relay.SendMessageAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
                        acknowledged[id] = (response.MessageId, request.ActionRecipients[0]);
                        break;
                    }
                    catch (RpcException ex) when (retryable(ex.StatusCode))
                    {
                        Interlocked.Increment(ref retries);
                        await Task.Delay(100);
                    }
                }
            }
        })));
        return retries;
    }

    /// <summary>Every acknowledged send is in its recipient's inbox exactly once, nothing else is, and the trail has one "sent" for each.</summary>
    internal static Task AssertEachOnceAsync(RunningSystem system, HashSet<(string MessageId, string Recipient)> expected) =>
        AssertEachOnceAsync(system.ClientForUserAsync, expected);

    /// <inheritdoc cref="AssertEachOnceAsync(RunningSystem, HashSet{ValueTuple{string, string}})"/>
    internal static async Task AssertEachOnceAsync(Func<string, Task<LiaisonClient>> clientFor, HashSet<(string MessageId, string Recipient)> expected)
    {
        var found = new List<(string MessageId, string Recipient)>();
        for (var r = 0; r < RecipientUsers.Length; r++)
        {
            using var recipient = await clientFor(RecipientUsers[r]);
            found.AddRange((await AllOf(recipient)).Select(i => (i.MessageId, RecipientIds[r])));
        }

        Assert.Equal(found.Count, found.Distinct().Count());
        Assert.Equal(expected.Count, found.Count);
        Assert.True(expected.SetEquals(found));

        using var auditor = await clientFor("omarova");
        var counts = await SentEventsAsync(auditor, expected.Count);
        Assert.Equal(expected.Count, counts.Count);
        Assert.All(expected, e => Assert.Equal(1, counts.GetValueOrDefault(e.MessageId)));
    }

    internal static SendMessageRequest Message(string clientMessageId, int n) => new()
    {
        ClientMessageId = clientMessageId,
        ActionRecipients = { RecipientIds[n % RecipientIds.Length] },
        Precedence = Precedence.Priority,
        Subject = $"Durability {clientMessageId}",
        Body = "Vehicle crossing reported; please confirm.",
    };

    internal static async Task<List<InboxItem>> AllOf(LiaisonClient recipient)
    {
        var items = new List<InboxItem>();
        var cursor = 0L;
        while (true)
        {
            var page = await recipient.Relay.ListInboxAsync(new ListInboxRequest { AfterCursor = cursor, Limit = 200 });
            if (page.Items.Count == 0)
            {
                return items;
            }

            items.AddRange(page.Items);
            cursor = page.NextCursor;
        }
    }

    /// <summary>The number of "message.sent" events per message in the whole log, once it holds at least <paramref name="expected"/> of them.</summary>
    internal static async Task<Dictionary<string, int>> SentEventsAsync(LiaisonClient auditor, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var size = (await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest())).TreeSize;
            var counts = new Dictionary<string, int>();
            for (long start = 0; start < size; start += 1000)
            {
                var page = await auditor.Audit.GetEntriesAsync(new GetEntriesRequest { Start = start, End = Math.Min(size, start + 1000) });
                foreach (var e in page.Entries.Select(e => e.Event).Where(e => e is { Action: "message.sent" }))
                {
                    counts[e.ObjectId] = counts.GetValueOrDefault(e.ObjectId) + 1;
                }
            }

            if (counts.Count >= expected || DateTime.UtcNow > deadline)
            {
                return counts;
            }

            await Task.Delay(500);
        }
    }
}
