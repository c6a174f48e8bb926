using System.Collections.Concurrent;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Resilience;
using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// Polly's chaos strategies (Liaison:Chaos) drop and delay the relay's calls to the directory and the audit service, and
/// every service's fetches of the identity server's keys: each call fails cleanly (Unavailable) or succeeds, retried
/// where retrying is allowed; the circuit to a failing service opens and closes again; and nothing is ever allowed that
/// would be refused without the chaos.
/// </summary>
// One storage only: the faults are in the calls between services, not in storage.
[Trait("Storage", "Either")]
public sealed class ChaosTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] Desks = ["desk:kz-bs-khorgos-desk", "desk:kg-bs-dostuk-desk", "desk:tj-dca-panj-desk", "desk:uz-cus-oybek-desk"];

    [Fact]
    public async Task UnderInjectedFaultsCallsFailCleanlyOrSucceedCircuitsOpenAndCloseAndNothingIsAllowedWrongly()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?>
        {
            // From the first call: the services fetch the identity server's keys under chaos too.
            ["Liaison:Chaos:Faults:identity-keys"] = "0.2",
            ["Liaison:Chaos:Faults:directory"] = "0.3",
            ["Liaison:Chaos:Delays:directory"] = "0.2",
            ["Liaison:Chaos:Faults:audit"] = "0.3",
            ["Liaison:Chaos:Latency"] = "00:00:00.100",
        });
        var relay = system.ServiceOf<ChaosSwitch>(ServiceKind.Relay);
        using var sender = await system.ClientForUserAsync("sattarkhanov");
        using var intruder = await system.ClientForUserAsync("khodjaev");
        var first = await SendRetryingAsync(sender, "desk:kz-bs-khorgos-desk", Guid.NewGuid().ToString());

        // Sends to desks (whose duty is looked up at each send, never cached) beside calls that must be refused.
        var outcomes = new ConcurrentDictionary<StatusCode, int>();
        var sent = new ConcurrentBag<string>();
        var refusals = new ConcurrentDictionary<StatusCode, int>();
        await Parallel.ForAsync(0, 300, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, _) =>
        {
            var status = StatusCode.OK;
            try
            {
                sent.Add(await SendAsync(sender, Desks[n % Desks.Length], $"chaos-{n}"));
            }
            catch (RpcException ex)
            {
                status = ex.StatusCode;
            }

            outcomes.AddOrUpdate(status, 1, (_, c) => c + 1);
            var refused = await StatusOfAsync((n % 3) switch
            {
                // Another agency's receipts, the audit trail without the auditor role, another agency's officer.
                0 => (Func<Task>)(() => intruder.Relay.GetReceiptsAsync(new GetReceiptsRequest { MessageId = first }).ResponseAsync),
                1 => () => intruder.Audit.ListTrailAsync(new ListTrailRequest { Agency = "KZ-BS" }).ResponseAsync,
                _ => () => intruder.DirectoryAdmin.PutOfficerAsync(new PutOfficerRequest { Officer = new OfficerInput { Id = "kz-bs-sattarkhanov", NativeName = "Taken over", LatinName = "Taken over" } }).ResponseAsync,
            });
            refusals.AddOrUpdate(refused, 1, (_, c) => c + 1);
        });

        output.WriteLine($"sends: {Show(outcomes)}; refused calls: {Show(refusals)}");
        output.WriteLine($"relay to directory: {Counts(relay, "directory")}; relay to audit: {Counts(relay, "audit")}; relay's keys: {Counts(relay, "identity-keys")}");
        Assert.All(outcomes.Keys, s => Assert.True(s is StatusCode.OK or StatusCode.Unavailable, $"a send answered {s}"));
        // How many get through depends on chance: a run of faults can open the circuit for a while, which is its job.
        Assert.True(outcomes.GetValueOrDefault(StatusCode.OK) > 0, "No send got through.");
        Assert.True(relay.Counted("directory", ChaosSwitch.Events.Fault) > 0 && relay.Counted("directory", ChaosSwitch.Events.RetryAnswered) > 0,
            "Faults were injected and retries reached the directory.");
        Assert.Equal(0, refusals.GetValueOrDefault(StatusCode.OK));
        Assert.All(refusals.Keys, s => Assert.True(s is StatusCode.PermissionDenied or StatusCode.NotFound or StatusCode.Unavailable or StatusCode.Unauthenticated, $"a refused call answered {s}"));

        // The directory stops answering: once failures are half of the breaker's 10 s window (which still holds the
        // successes above), the circuit opens and further sends are refused at once, as Unavailable.
        relay.SetFaults("directory", 1);
        relay.SetDelays("directory", 0);
        var (opened, refusedBefore, closed) = (relay.Counted("directory", ChaosSwitch.Events.CircuitOpened),
            relay.Counted("directory", ChaosSwitch.Events.CircuitRefused), relay.Counted("directory", ChaosSwitch.Events.CircuitClosed));
        var opening = DateTime.UtcNow.AddSeconds(60);
        for (var i = 0; relay.Counted("directory", ChaosSwitch.Events.CircuitRefused) == refusedBefore && DateTime.UtcNow < opening; i++)
        {
            await Expect.StatusAsync(StatusCode.Unavailable, () => SendAsync(sender, Desks[i % Desks.Length], $"down-{i}"));
        }

        Assert.True(relay.Counted("directory", ChaosSwitch.Events.CircuitOpened) > opened || relay.Counted("directory", ChaosSwitch.Events.CircuitClosed) == closed,
            "The circuit to the directory is open.");
        Assert.True(relay.Counted("directory", ChaosSwitch.Events.CircuitRefused) > refusedBefore, "The open circuit refused a call.");

        // It answers again: after the break, a trial call closes the circuit and sends go through.
        relay.SetFaults("directory", 0);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (relay.Counted("directory", ChaosSwitch.Events.CircuitClosed) == closed)
        {
            Assert.True(DateTime.UtcNow < deadline, "The circuit to the directory did not close within 30 s of it answering again.");
            try
            {
                sent.Add(await SendAsync(sender, Desks[0], Guid.NewGuid().ToString()));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(250);
            }
        }

        // Every message sent reaches the audit log exactly once, through the faults on the way there.
        relay.SetFaults("audit", 0);
        using var auditor = await system.ClientForUserAsync("omarova");
        var expected = sent.Append(first).Distinct().ToList();
        var counts = await RelayDurabilityTests.SentEventsAsync(auditor, expected.Count);
        Assert.All(expected, id => Assert.Equal(1, counts.GetValueOrDefault(id)));
        output.WriteLine($"{expected.Count} messages audited once each; audit faults injected: {relay.Counted("audit", ChaosSwitch.Events.Fault)}");
    }

    [Fact]
    public async Task WithTheIdentityServersKeysOutOfReachNoTokenIsAccepted()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Liaison:Chaos:Faults:identity-keys"] = "1" });
        using var officer = await system.ClientForUserAsync("sattarkhanov");
        var refused = await Assert.ThrowsAsync<RpcException>(() => officer.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = "Ходжаев" }).ResponseAsync);
        Assert.True(refused.StatusCode == StatusCode.Unavailable, $"With no keys the directory answered {refused.StatusCode}: {refused.Status.Detail}");
        Assert.Equal("The identity server cannot be reached to check the access token; nothing was done. Retry shortly.", refused.Status.Detail);
        Assert.True(system.ServiceOf<ChaosSwitch>(ServiceKind.Directory).Counted("identity-keys", ChaosSwitch.Events.Retried) > 0, "The key fetch was retried.");
    }

    /// <summary>The same send again (one client message id) until it is through, as a client does after Unavailable.</summary>
    private static async Task<string> SendRetryingAsync(LiaisonClient sender, string to, string clientMessageId)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SendAsync(sender, to, clientMessageId);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && attempt < 20)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<string> SendAsync(LiaisonClient sender, string to, string clientMessageId) =>
        (await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = clientMessageId, ActionRecipients = { to }, Precedence = Precedence.Routine, Subject = "Chaos", Body = "Checking the link.",
        })).MessageId;

    private static async Task<StatusCode> StatusOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private static string Show<T>(ConcurrentDictionary<T, int> counts)
        where T : notnull => string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"));

    private static string Counts(ChaosSwitch chaos, string target) => string.Join(", ",
        new[] { ChaosSwitch.Events.Fault, ChaosSwitch.Events.Delay, ChaosSwitch.Events.RetryAnswered, ChaosSwitch.Events.Retried, ChaosSwitch.Events.CircuitOpened, ChaosSwitch.Events.CircuitRefused, ChaosSwitch.Events.CircuitClosed }
            .Select(e => $"{e} {chaos.Counted(target, e)}"));
}
