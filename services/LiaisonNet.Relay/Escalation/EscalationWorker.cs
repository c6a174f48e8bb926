using LiaisonNet.ServiceDefaults.Storage;
using Grpc.Core;
using LiaisonNet.Relay.Recipients;
using LiaisonNet.Relay.Storage;

namespace LiaisonNet.Relay.Escalation;

/// <summary>
/// Escalates action messages to desks that nobody acknowledged by their deadline, one step per deadline, along the
/// desk's roster as it stands at that moment (in the desk's own time zone, which the directory applies): the primary
/// on duty (at the send), then the backup on duty, then the desk's supervisor, then the primary on duty at its
/// national (escalation) desk. Every step is an audit event and a receipt the sender sees. Deadlines are in the
/// database, so a restart resumes them; one relay instance escalates at a time (the lease), another takes over within
/// seconds when it dies, and each step is claimed conditionally, so none is taken twice.
/// </summary>
public sealed class EscalationWorker(EscalationStore store, RecipientResolver directory, WorkLeases leases, ILogger<EscalationWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leases.RunAsync("relay.escalation", EscalateAsync, stoppingToken);

    private async Task EscalateAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var escalation in await store.DueEscalationsAsync(100, stoppingToken))
                {
                    await StepAsync(escalation, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is RpcException or System.Data.Common.DbException or HttpRequestException or TimeoutException)
            {
                // The directory or the database is unavailable for a moment: the deadlines stay, the next tick retries.
                logger.LogWarning("Escalation paused: {Error}", ex.Message);
            }
        }
    }

    private async Task StepAsync(Storage.Escalation escalation, CancellationToken cancellationToken)
    {
        var desk = await directory.DeskAsync(escalation.DeskId, cancellationToken);
        // Candidates for the step after the current one, in roster order; anyone already reached is skipped.
        var steps = new List<(string Name, string? Officer)>
        {
            ("backup", desk?.OnDuty?.Backup?.Id),
            ("supervisor", desk?.Supervisor),
        };
        if (desk is { EscalationDesk.Length: > 0 } && await directory.DeskAsync(desk.EscalationDesk, cancellationToken) is { } national)
        {
            steps.Add(("national-desk", national.OnDuty?.Primary?.Id is { Length: > 0 } nationalPrimary ? nationalPrimary : national.Supervisor));
        }

        var next = steps.Skip(Math.Max(0, escalation.Step))
            .Select((s, i) => (s.Name, s.Officer, Index: i))
            .FirstOrDefault(s => !string.IsNullOrEmpty(s.Officer) && !escalation.Chain.Contains(s.Officer));
        var agency = next.Officer is null ? string.Empty : await directory.AgencyOfAsync(next.Officer, cancellationToken) ?? string.Empty;
        var stepped = await store.EscalateAsync(escalation, next.Officer, agency, next.Name ?? "exhausted", cancellationToken);
        if (stepped)
        {
            logger.LogInformation("Message {Message} to desk {Desk} escalated to {Officer} ({Step})", escalation.MessageId, escalation.DeskId, next.Officer, next.Name);
        }
    }
}
