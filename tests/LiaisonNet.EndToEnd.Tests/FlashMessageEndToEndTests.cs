using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using LiaisonNet.Client.Audit;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Protos.Audit.V1;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiaisonNet.EndToEnd.Tests;

public sealed class FlashMessageEndToEndTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task KazakhBorderOfficerFindsUzbekCustomsOfficerAndTheirFlashIsPushedAcknowledgedAndAudited()
    {
        var system = fixture.System;
        using var sender = await system.GatewaySessionAsync("sattarkhanov");
        using var recipient = await system.GatewaySessionAsync("khodjaev");

        // The recipient's name is stored in Cyrillic (Ходжаев); the sender types a Latin spelling that is on no record.
        var search = await sender.Http.GetFromJsonAsync<SearchResultDto>("/api/directory/search?q=Khodzhaev");
        var found = Assert.Single(search!.Officers, o => o.Agency == "UZ-CUS");
        Assert.Equal("uz-cus-khodjaev", found.Id);
        Assert.StartsWith("Ходжаев", found.DisplayName, StringComparison.Ordinal);

        var pushed = Channel.CreateUnbounded<InboxItemDto>();
        await using var hub = recipient.InboxHub();
        hub.On<InboxItemDto>("MessageReceived", item => pushed.Writer.TryWrite(item));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", 0L);

        var subject = $"Vehicle KZ 123 ABC heading to Oybek {Guid.NewGuid():n}";
        var clock = Stopwatch.StartNew();
        using var send = await sender.PostJsonAsync("/api/messages", new SendMessageDto(
            Guid.NewGuid().ToString(), [found.Id], null, "FLASH", subject, "Suspected concealed cargo; request inspection on arrival."));
        Assert.Equal(HttpStatusCode.OK, send.StatusCode);
        var sent = (await send.Content.ReadFromJsonAsync<SentDto>())!;

        var item = await pushed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(1));
        clock.Stop();
        Assert.Equal(sent.MessageId, item.MessageId);
        Assert.Equal("FLASH", item.Precedence);
        Assert.Equal(subject, item.Subject);
        Assert.Equal("kz-bs-sattarkhanov", item.SenderId);
        Assert.InRange(item.AcknowledgeBy - item.SentAt, TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        using var ack = await recipient.PostJsonAsync($"/api/messages/{sent.MessageId}/acknowledge", new { });
        Assert.Equal(HttpStatusCode.NoContent, ack.StatusCode);

        // The Kazakh border service's auditor reviews the trail; the outbox delivers it shortly after.
        using var auditor = await system.ClientForUserAsync("omarova");
        var actions = await WaitForTrailAsync(auditor.Audit, sent.MessageId, ["message.sent", "message.delivered", "message.acknowledged"]);
        Assert.Equal(1, actions.Count(a => a.Event.Action == "message.sent"));
        Assert.Equal(1, actions.Count(a => a.Event.Action == "message.delivered"));
        Assert.Equal(1, actions.Count(a => a.Event.Action == "message.acknowledged"));
        var sentEvent = actions.Single(a => a.Event.Action == "message.sent").Event;
        Assert.Equal("kz-bs-sattarkhanov", sentEvent.Actor);
        Assert.Contains("uz-cus-khodjaev", sentEvent.Related);
        Assert.Equal(32, sentEvent.ContentHash.Length);

        var verification = await AuditLogVerifier.VerifyLogAsync(auditor.Audit);
        Assert.True(verification.Valid, verification.Detail);
        var checkpoint = await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest());
        foreach (var entry in actions)
        {
            var proof = await auditor.Audit.GetInclusionProofAsync(new GetInclusionProofRequest { Index = entry.Index, TreeSize = checkpoint.TreeSize });
            Assert.True(AuditLogVerifier.VerifyInclusion(entry, proof, checkpoint), $"entry {entry.Index} is not in the signed tree");
        }
    }

    [Fact]
    public async Task ReconnectingHubClientGetsWhatItMissedExactlyOnceInOrder()
    {
        var system = fixture.System;
        using var sender = await system.GatewaySessionAsync("sattarkhanov");
        using var recipient = await system.GatewaySessionAsync("rahimov");
        var baseline = await recipient.Http.GetFromJsonAsync<InboxPageDto>("/api/inbox?after=0&limit=200");
        var startCursor = baseline!.Items.Count == 0 ? 0 : baseline.Items[^1].Cursor;

        async Task<string> SendAsync(int n)
        {
            using var response = await sender.PostJsonAsync("/api/messages", new SendMessageDto(Guid.NewGuid().ToString(), ["tj-dca-rahimov"], null, "ROUTINE", $"Routine note {n}", "Body"));
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<SentDto>())!.MessageId;
        }

        var expected = new List<string> { await SendAsync(1) };
        var received = Channel.CreateUnbounded<InboxItemDto>();
        await using (var first = recipient.InboxHub())
        {
            first.On<InboxItemDto>("MessageReceived", i => received.Writer.TryWrite(i));
            await first.StartAsync();
            await first.InvokeAsync("Subscribe", startCursor);
            Assert.Equal(expected[0], (await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).MessageId);
        }

        // Cut off: three more arrive while no client is connected.
        for (var n = 2; n <= 4; n++)
        {
            expected.Add(await SendAsync(n));
        }

        var lastShown = startCursor + 1;
        await using var second = recipient.InboxHub();
        second.On<InboxItemDto>("MessageReceived", i => received.Writer.TryWrite(i));
        await second.StartAsync();
        await second.InvokeAsync("Subscribe", lastShown);
        var missed = new List<InboxItemDto>();
        for (var i = 0; i < 3; i++)
        {
            missed.Add(await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        }

        Assert.Equal(expected.Skip(1), missed.Select(m => m.MessageId));
        Assert.Equal(missed.Select(m => m.Cursor).Order(), missed.Select(m => m.Cursor));
        await Task.Delay(300);
        Assert.False(received.Reader.TryRead(out var extra), $"unexpected repeat of {extra?.MessageId}");
    }

    [Fact]
    public async Task GatewayApiAnswersUnauthorizedWithoutASessionAndRefusesChangesWithoutCsrfHeader()
    {
        var system = fixture.System;
        using var anonymous = new HttpClient { BaseAddress = new Uri(system.Urls.Gateway) };
        using var me = await anonymous.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);

        using var session = await system.GatewaySessionAsync("sattarkhanov");
        session.Http.DefaultRequestHeaders.Remove("X-Liaison-Csrf");
        using var send = await session.PostJsonAsync("/api/messages", new SendMessageDto("x", ["uz-cus-khodjaev"], null, "ROUTINE", "s", "b"));
        Assert.Equal(HttpStatusCode.Forbidden, send.StatusCode);
    }

    [Fact]
    public async Task GatewayReturnsValidationProblemNamingEachBadField()
    {
        using var session = await fixture.System.GatewaySessionAsync("sattarkhanov");
        using var response = await session.PostJsonAsync("/api/messages", new SendMessageDto(Guid.NewGuid().ToString(), [], null, "URGENT", "", "b"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Http.HttpValidationProblemDetails>();
        Assert.Contains("action_recipients", problem!.Errors.Keys);
        Assert.Contains("precedence", problem.Errors.Keys);
        Assert.Contains("subject", problem.Errors.Keys);
    }

    private static async Task<IReadOnlyList<LogEntry>> WaitForTrailAsync(AuditService.AuditServiceClient audit, string messageId, string[] actions)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var trail = await audit.ListTrailAsync(new ListTrailRequest { ObjectId = messageId, PageSize = 100 });
            var entries = trail.Entries.Where(e => e.Event is not null && e.Event.ObjectId == messageId && e.Event.Action.StartsWith("message.", StringComparison.Ordinal)).ToList();
            if (actions.All(a => entries.Any(e => e.Event.Action == a)) || DateTime.UtcNow > deadline)
            {
                Assert.All(actions, a => Assert.Contains(entries, e => e.Event.Action == a));
                return entries;
            }

            await Task.Delay(100);
        }
    }
}
