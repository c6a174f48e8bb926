using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Identity.Accounts;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.AuditTrail;
using Microsoft.EntityFrameworkCore;

namespace LiaisonNet.Identity.AuditTrail;

/// <summary>
/// Records what happens to accounts (sign-ins, failed sign-ins, lockouts, second factors, administration) into the
/// identity database's outbox, in the same save as the change itself, for delivery to the audit service.
/// </summary>
public sealed class IdentityAudit(IdentityDb db, OutboxSignal signal, TimeProvider clock)
{
    public const string Source = "liaison-identity";

    /// <summary>Adds the event to the pending changes; it is written by the next save of <see cref="IdentityDb"/>.</summary>
    public void Record(string action, string actor, LiaisonUser? account, string objectId, params string[] agencies)
    {
        var e = new AuditEvent
        {
            EventId = Guid.CreateVersion7().ToString(),
            OccurredAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            Actor = actor,
            Action = action,
            ObjectType = "account",
            ObjectId = objectId,
            Source = Source,
            // The account's name as it was at the time, hashed: the trail proves it without holding it.
            ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(account?.UserName ?? objectId))),
        };
        e.Agencies.AddRange(agencies.Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.Ordinal));
        if (account is not null && account.Id != objectId)
        {
            e.Related.Add(account.Id);
        }

        db.AuditOutbox.Add(new AuditOutboxEntry { Event = e.ToByteArray() });
    }

    /// <summary>Records the event and saves it now (for events with no other change to go with).</summary>
    public async Task RecordNowAsync(string action, string actor, LiaisonUser? account, string objectId, params string[] agencies)
    {
        Record(action, actor, account, objectId, agencies);
        await db.SaveChangesAsync();
        signal.Wake();
    }

    /// <summary>Records an event made elsewhere (a refused call) and saves it now.</summary>
    public async Task RecordNowAsync(AuditEvent e)
    {
        db.AuditOutbox.Add(new AuditOutboxEntry { Event = e.ToByteArray() });
        await db.SaveChangesAsync();
        signal.Wake();
    }

    /// <summary>Tells the dispatcher that saved events are waiting.</summary>
    public void Saved() => signal.Wake();
}

/// <summary>The identity database's outbox, read by the shared dispatcher.</summary>
public sealed class IdentityAuditOutbox(IServiceScopeFactory scopes) : IAuditOutbox
{
    public async Task<IReadOnlyList<(long Seq, AuditEvent Event)>> PeekOutboxAsync(int limit, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDb>();
        var rows = await db.AuditOutbox.AsNoTracking().OrderBy(e => e.Seq).Take(limit).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Seq, AuditEvent.Parser.ParseFrom(r.Event)))];
    }

    public async Task RemoveFromOutboxAsync(IReadOnlyList<long> delivered, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDb>();
        await db.AuditOutbox.Where(e => delivered.Contains(e.Seq)).ExecuteDeleteAsync(cancellationToken);
    }
}
