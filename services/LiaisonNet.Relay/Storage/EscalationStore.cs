using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Live;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>
/// Escalations of desk messages left unacknowledged: due steps, and each step taken once. Several relay processes may
/// find the same step due; the one whose update finds the step as it was read takes it, the others let it be.
/// </summary>
public sealed class EscalationStore(RelayDatabase relay, InboxNotifier notifier)
{
    /// <summary>Escalations whose step deadline has passed.</summary>
    public async Task<IReadOnlyList<Escalation>> DueEscalationsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await relay.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT e.message_id, e.desk_id, e.step, e.step_ms, e.chain, m.agencies FROM escalations e JOIN messages m ON m.id = e.message_id
            WHERE e.done = 0 AND e.next_at <= @now ORDER BY e.next_at LIMIT @limit
            """, null, ("@now", relay.Clock.GetUtcNow().ToUnixTimeMilliseconds()), ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var due = new List<Escalation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new Escalation(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetString(4).Split(','), reader.GetString(5)));
        }

        return due;
    }

    /// <summary>
    /// Takes one escalation step: stops it when anyone in its chain has acknowledged; otherwise adds <paramref name="next"/>
    /// (null: the roster is exhausted) as an action recipient, audits the step, and sets the next deadline. False when the
    /// escalation ended, or when another process took this step first.
    /// </summary>
    public async Task<bool> EscalateAsync(Escalation escalation, string? next, string nextAgency, string stepName, CancellationToken cancellationToken)
    {
        var stepped = await relay.WriteAsync(async (connection, transaction, now) =>
        {
            var chain = escalation.Chain.ToList();

            // The step as it was read, still open: this process takes it (the update holds the row until the commit).
            await using (var claim = connection.Command(
                "UPDATE escalations SET step = step + 1, next_at = @next, chain = @chain WHERE message_id = @message AND desk_id = @desk AND step = @step AND done = 0",
                transaction, ("@next", now.ToUnixTimeMilliseconds() + escalation.StepMs), ("@chain", string.Join(',', next is null ? chain : [.. chain, next])),
                ("@message", escalation.MessageId), ("@desk", escalation.DeskId), ("@step", escalation.Step)))
            {
                if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return (false, false);
                }
            }

            var names = chain.Select((_, i) => $"@r{i}").ToList();
            await using (var acknowledged = connection.Command(
                $"SELECT COUNT(*) FROM inbox WHERE message_id = @message AND acknowledged_at IS NOT NULL AND recipient_id IN ({string.Join(", ", names)})",
                transaction, [("@message", escalation.MessageId), .. chain.Select((r, i) => (names[i], (object?)r))]))
            {
                if (Convert.ToInt64(await acknowledged.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0)
                {
                    await FinishAsync(connection, transaction, escalation, cancellationToken);
                    return (false, true);
                }
            }

            if (next is null)
            {
                await FinishAsync(connection, transaction, escalation, cancellationToken);
                await RelayDatabase.EnqueueAsync(connection, transaction, EscalationEvent("message.escalation_exhausted", escalation, escalation.DeskId, stepName), now, cancellationToken);
                return (false, true);
            }

            await InboxEntries.AddAsync(connection, transaction, next, escalation.MessageId, RecipientRole.Action, escalation.DeskId, cancellationToken);
            var escalated = EscalationEvent("message.escalated", escalation, next, stepName);
            if (nextAgency.Length > 0 && !escalated.Agencies.Contains(nextAgency))
            {
                escalated.Agencies.Add(nextAgency);
            }

            await RelayDatabase.EnqueueAsync(connection, transaction, escalated, now, cancellationToken);
            return (true, true);
        }, cancellationToken);
        if (stepped && next is not null)
        {
            notifier.Notify(next);
        }

        return stepped;
    }

    private static async Task FinishAsync(DbConnection connection, DbTransaction transaction, Escalation escalation, CancellationToken cancellationToken)
    {
        await using var done = connection.Command("UPDATE escalations SET done = 1 WHERE message_id = @message AND desk_id = @desk", transaction,
            ("@message", escalation.MessageId), ("@desk", escalation.DeskId));
        await done.ExecuteNonQueryAsync(cancellationToken);
    }

    private static AuditEvent EscalationEvent(string action, Escalation escalation, string target, string stepName) => new()
    {
        Action = action,
        Actor = "liaison-relay",
        ObjectType = "message",
        ObjectId = escalation.MessageId,
        ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes($"{escalation.DeskId}|{stepName}|{target}"))),
        Agencies = { escalation.Agencies.Split(',', StringSplitOptions.RemoveEmptyEntries) },
        Related = { target, $"desk:{escalation.DeskId}", stepName },
    };
}
