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

    /// <summary>Forgets every event up to and including <paramref name="throughSeq"/>, once the audit service has stored them.</summary>
    Task RemoveFromOutboxAsync(long throughSeq, CancellationToken cancellationToken);
}
