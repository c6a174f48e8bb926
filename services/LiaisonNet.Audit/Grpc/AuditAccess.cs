using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;
using static LiaisonNet.Protos.Audit.V1.AuditService;

namespace LiaisonNet.Audit.Grpc;

/// <summary>Who may call each audit RPC.</summary>
public static class AuditAccess
{
    private static readonly AccessRule Review = AccessRule.Require(LiaisonScopes.Audit, LiaisonRoles.Auditor);
    // Checkpoints, keys and consistency proofs are what partners keep to hold the log to account: any token for the log.
    private static readonly AccessRule Public = AccessRule.Require(LiaisonScopes.Audit, AccessCallers.AnyPerson, AccessCallers.Service)
        .Checks("Tree heads, keys and hashes only; no event.");

    public static AccessRules Rules { get; } = new(AuditService.Descriptor)
    {
        [nameof(AuditServiceBase.Append)] = AccessRule.Require(LiaisonScopes.AuditAppend, AccessCallers.Service).Checks("The event's source is the calling service."),
        [nameof(AuditServiceBase.ListTrail)] = Review.Checks("Entries of the auditor's own agency (all for a system administrator); the query is itself audited."),
        [nameof(AuditServiceBase.GetEntries)] = Review.Checks("Events of the auditor's own agency (other entries come without their event); the read is audited."),
        [nameof(AuditServiceBase.GetInclusionProof)] = Review.Checks("Hashes only."),
        [nameof(AuditServiceBase.ExportBundle)] = Review.Checks("Entries of the auditor's own agency; the export is audited."),
        [nameof(AuditServiceBase.GetCheckpoint)] = Public,
        [nameof(AuditServiceBase.GetConsistencyProof)] = Public,
        [nameof(AuditServiceBase.ListPublicKeys)] = Public,
        [nameof(AuditServiceBase.GetPublicKey)] = Public,
    };
}
