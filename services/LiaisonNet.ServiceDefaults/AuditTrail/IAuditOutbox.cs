using LiaisonNet.Protos.Audit.V1;

namespace LiaisonNet.ServiceDefaults.AuditTrail;

/// <summary>
/// A service's table of audit events written in the same transaction as the change they record, waiting to be
/// delivered to the audit service.
/// </summary>
public interface IAuditOutbox
{
    /// <summary>The oldest waiting events, in the order they were written.</summary>
    Task<IReadOnlyList<(long Seq, AuditEvent Event)>> PeekOutboxAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets the events delivered, once the audit service has stored them: exactly those, never "everything up to",
    /// since on a database with several writers an event with a lower number may commit after one with a higher.
    /// </summary>
    Task RemoveFromOutboxAsync(IReadOnlyList<long> delivered, CancellationToken cancellationToken);
}
