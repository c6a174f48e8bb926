using Grpc.Core;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// What one user may hold or spend at once: sends per sender, live inbox streams, live hub connections. Past each,
/// a clear refusal (ResourceExhausted, the hub closed with the reason) that costs the user nothing else and touches
/// nobody else's allowance.
/// </summary>
[Trait("Storage", "Either")]
public sealed class ResourceLimitTests
{
    [Fact]
    public async Task ASenderPastTheBurstIsToldToWaitAndOtherSendersAreNotTouched()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Relay:SendBurst"] = "5", ["Relay:SendsPerSecond"] = "1" });
        using var flooder = await system.ClientForUserAsync("sattarkhanov");
        using var other = await system.ClientForUserAsync("khodjaev");
        for (var n = 0; n < 5; n++)
        {
            await flooder.Relay.SendMessageAsync(RelayDurabilityTests.Message($"burst-{n}", n));
        }

        var call = flooder.Relay.SendMessageAsync(RelayDurabilityTests.Message("burst-over", 0));
        var refused = await Expect.StatusAsync(StatusCode.ResourceExhausted, () => call.ResponseAsync);
        Assert.Contains("Too many sends: at most 1 a second after a burst of 5", refused.Status.Detail, StringComparison.Ordinal);
        Assert.True(int.TryParse(call.GetTrailers().GetValue("retry-after-ms"), out var wait) && wait is > 0 and <= 1000, "the wait is in the trailers");

        // Refused, not stored: nothing of it reached the recipient.
        using var recipient = await system.ClientForUserAsync(RelayDurabilityTests.RecipientUsers[0]);
        Assert.DoesNotContain(await RelayDurabilityTests.AllOf(recipient), i => i.Subject.EndsWith("burst-over", StringComparison.Ordinal));

        // Another sender has an allowance of its own; a forward counts as a send.
        var sent = await other.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = "other-sender", ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine, Subject = "Unaffected", Body = "Text.",
        });
        Assert.False(string.IsNullOrEmpty(sent.MessageId));

        // The bucket refills: the same send goes through once the wait has passed.
        await Expect.UntilAsync(TimeSpan.FromSeconds(10), async () =>
        {
            try
            {
                await flooder.Relay.SendMessageAsync(RelayDurabilityTests.Message("burst-over", 0));
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                await Task.Delay(200);
                return false;
            }
        }, "the refilled bucket");
    }

    [Fact]
    public async Task AUserHoldsAtMostTheLimitOfLiveStreamsAndClosingOneFreesItsPlace()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Relay:MaxStreamsPerUser"] = "2" });
        using var sender = await system.ClientForUserAsync("sattarkhanov");
        using var recipient = await system.ClientForUserAsync(RelayDurabilityTests.RecipientUsers[0]);
        using var someoneElse = await system.ClientForUserAsync(RelayDurabilityTests.RecipientUsers[1]);
        await sender.Relay.SendMessageAsync(RelayDurabilityTests.Message("streams-0", 0));
        await sender.Relay.SendMessageAsync(RelayDurabilityTests.Message("streams-1", 1));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        async Task<AsyncServerStreamingCall<InboxItem>> OpenAsync(Protos.Relay.V1.RelayService.RelayServiceClient relay)
        {
            var call = relay.Subscribe(new SubscribeRequest(), cancellationToken: stop.Token);
            // Open once it streams the first item of the inbox.
            Assert.True(await call.ResponseStream.MoveNext(stop.Token));
            return call;
        }

        var first = await OpenAsync(recipient.Relay);
        using var second = await OpenAsync(recipient.Relay);
        var refused = await Expect.StatusAsync(StatusCode.ResourceExhausted, () => OpenAsync(recipient.Relay));
        Assert.Contains("At most 2 live inbox streams per user", refused.Status.Detail, StringComparison.Ordinal);

        // Another user's streams are counted apart.
        using var theirs = await OpenAsync(someoneElse.Relay);

        // Closing one frees its place (once the server has seen the stream end).
        first.Dispose();
        var third = await Expect.WithinAsync(TimeSpan.FromSeconds(10), async () =>
        {
            try
            {
                return await OpenAsync(recipient.Relay);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                await Task.Delay(100);
                return null;
            }
        }, "a place freed by the closed stream");
        third.Dispose();
    }

    [Fact]
    public async Task AUserPastTheHubConnectionLimitIsClosedWithTheReasonAndTheOthersStayLive()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Gateway:MaxHubConnectionsPerUser"] = "2" });
        using var session = await system.GatewaySessionAsync("rahimov");
        await using var one = session.InboxHub();
        await using var two = session.InboxHub();
        await one.StartAsync();
        await two.StartAsync();
        await one.InvokeAsync("Subscribe", 0L);

        await using var three = session.InboxHub();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        three.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        try
        {
            await three.StartAsync();
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException)
        {
            closed.TrySetResult(ex);
        }

        var reason = await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("At most 2 live connections per user", reason?.Message ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Disconnected, three.State);
        Assert.Equal(HubConnectionState.Connected, one.State);
        Assert.Equal(HubConnectionState.Connected, two.State);

        // Another user is not counted with this one; a closed connection frees its place.
        using var otherSession = await system.GatewaySessionAsync("khodjaev");
        await using var theirs = otherSession.InboxHub();
        await theirs.StartAsync();
        await two.StopAsync();
        await Expect.UntilAsync(TimeSpan.FromSeconds(10), async () =>
        {
            await using var again = session.InboxHub();
            try
            {
                await again.StartAsync();
                await again.InvokeAsync("Subscribe", 0L);
                return again.State == HubConnectionState.Connected;
            }
            catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException or TaskCanceledException)
            {
                return false;
            }
        }, "a place freed by the closed connection");
    }
}
