using System.Globalization;
using System.Security.Claims;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiaisonNet.Audit.Log;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Security;
using OpenIddict.Abstractions;

namespace LiaisonNet.Audit.Grpc;

public sealed class AuditGrpcService(AuditLog log, CheckpointSigner signer) : AuditService.AuditServiceBase
{
    private const int MaxAppendBatch = 500;
    private const int MaxEntriesPage = 1000;
    private const int MaxTrailPage = 500;

    public override async Task<AppendResponse> Append(AppendRequest request, ServerCallContext context)
    {
        var caller = context.GetHttpContext().User;
        if (!caller.IsServiceClient() || !caller.HasScope(LiaisonScopes.AuditAppend))
        {
            throw RpcErrors.PermissionDenied("Only LiaisonNet services may append to the audit log.");
        }

        var violations = new FieldViolations()
            .Require(request.Events.Count is > 0 and <= MaxAppendBatch, "events", $"Send 1 to {MaxAppendBatch} events.");
        for (var i = 0; i < request.Events.Count; i++)
        {
            var e = request.Events[i];
            violations
                .Require(e.EventId.Length is > 0 and <= 100, $"events[{i}].event_id", "Required, at most 100 characters.")
                .Require(e.Action.Length is > 0 and <= 100, $"events[{i}].action", "Required, at most 100 characters.")
                .Require(e.Actor.Length <= 200, $"events[{i}].actor", "At most 200 characters.")
                .Require(e.ObjectId.Length <= 200, $"events[{i}].object_id", "At most 200 characters.")
                .Require(e.OccurredAt is not null, $"events[{i}].occurred_at", "Required.")
                .Require(e.ContentHash.Length is 0 or 32, $"events[{i}].content_hash", "Empty or a 32-byte SHA-256.")
                .Require(e.Related.Count <= 1000 && e.Agencies.Count <= 100, $"events[{i}].related", "At most 1000 related ids and 100 agencies.");
        }

        violations.ThrowIfAny();
        var stamped = request.Events.Select(e =>
        {
            var copy = e.Clone();
            copy.Source = caller.SubjectId();
            return copy;
        }).ToList();
        var results = await log.AppendAsync(stamped, context.CancellationToken);
        return new AppendResponse { Results = { results } };
    }

    private const int MaxBundleEntries = 10_000;

    public override async Task<ListTrailResponse> ListTrail(ListTrailRequest request, ServerCallContext context)
    {
        var caller = context.GetHttpContext().User;
        var scope = AuditorScope(caller);
        var pageSize = request.PageSize == 0 ? 100 : request.PageSize;
        long after = -1;
        new FieldViolations()
            .Require(request.ObjectId.Length <= 200, "object_id", "At most 200 characters.")
            .Require(request.ObjectId.Length > 0 || request.Agency.Length > 0, "object_id", "Name an object, or an agency.")
            .Require(request.Agency.Length <= 50, "agency", "An agency code.")
            .Require(pageSize is > 0 and <= MaxTrailPage, "page_size", $"1 to {MaxTrailPage}.")
            .Require(request.PageToken.Length == 0 || long.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out after), "page_token", "Not a token this service issued.")
            .Require(request.From is null || request.To is null || request.From.ToDateTimeOffset() < request.To.ToDateTimeOffset(), "to", "After from.")
            .ThrowIfAny();
        if (request.Agency.Length > 0 && scope.Agency is not null && request.Agency != scope.Agency)
        {
            throw RpcErrors.PermissionDenied($"You audit {scope.Agency} only.");
        }

        var query = new TrailQuery(request.ObjectId, request.Agency, request.From?.ToDateTimeOffset().ToUnixTimeMilliseconds(), request.To?.ToDateTimeOffset().ToUnixTimeMilliseconds());
        var entries = await log.TrailAsync(query, scope, after, pageSize, context.CancellationToken);
        await RecordAuditorQueryAsync(caller, "audit.trail.viewed", request.ObjectId.Length > 0 ? request.ObjectId : $"agency:{request.Agency}", context.CancellationToken);
        var response = new ListTrailResponse { Entries = { entries } };
        if (entries.Count == pageSize)
        {
            response.NextPageToken = entries[^1].Index.ToString(CultureInfo.InvariantCulture);
        }

        return response;
    }

    public override async Task<SignedCheckpoint> GetCheckpoint(GetCheckpointRequest request, ServerCallContext context)
    {
        await log.RefreshAsync(context.CancellationToken);
        return log.LatestCheckpoint();
    }

    public override async Task<GetEntriesResponse> GetEntries(GetEntriesRequest request, ServerCallContext context)
    {
        var scope = AuditorScope(context.GetHttpContext().User);
        await log.RefreshAsync(context.CancellationToken);
        var size = log.Size;
        new FieldViolations()
            .Require(request.Start >= 0, "start", "Must not be negative.")
            .Require(request.End > request.Start && request.End - request.Start <= MaxEntriesPage, "end", $"Must be after start, at most {MaxEntriesPage} entries.")
            .Require(request.End <= size, "end", $"The log has {size} entries.")
            .ThrowIfAny();
        var entries = await log.EntriesAsync(request.Start, request.End, scope, context.CancellationToken);
        await RecordAuditorQueryAsync(context.GetHttpContext().User, "audit.entries.viewed",
            string.Create(CultureInfo.InvariantCulture, $"entries:{request.Start}-{request.End}"), context.CancellationToken);
        return new GetEntriesResponse { Entries = { entries } };
    }

    public override async Task<InclusionProof> GetInclusionProof(GetInclusionProofRequest request, ServerCallContext context)
    {
        AuditorScope(context.GetHttpContext().User);
        await log.RefreshAsync(context.CancellationToken);
        var size = log.Size;
        var index = request.Index;
        if (!request.LeafHash.IsEmpty)
        {
            new FieldViolations().Require(request.LeafHash.Length == 32, "leaf_hash", "A 32-byte SHA-256 leaf hash.").ThrowIfAny();
            index = await log.IndexOfLeafAsync(request.LeafHash.ToByteArray(), context.CancellationToken) ?? throw RpcErrors.NotFound("No entry has this leaf hash.");
        }

        new FieldViolations()
            .Require(request.TreeSize > 0 && request.TreeSize <= size, "tree_size", $"1 to {size}.")
            .Require(index >= 0 && index < request.TreeSize, "index", "Must be a leaf of the tree.")
            .ThrowIfAny();
        return Proof(index, request.TreeSize);
    }

    public override async Task<ConsistencyProof> GetConsistencyProof(GetConsistencyProofRequest request, ServerCallContext context)
    {
        await log.RefreshAsync(context.CancellationToken);
        var size = log.Size;
        new FieldViolations()
            .Require(request.SecondSize > 0 && request.SecondSize <= size, "second_size", $"1 to {size}.")
            .Require(request.FirstSize > 0 && request.FirstSize <= request.SecondSize, "first_size", "1 to second_size.")
            .ThrowIfAny();
        return new ConsistencyProof
        {
            FirstSize = request.FirstSize,
            SecondSize = request.SecondSize,
            Hashes = { log.ConsistencyProof(request.FirstSize, request.SecondSize).Select(ByteString.CopyFrom) },
        };
    }

    public override async Task<AuditBundle> ExportBundle(ExportBundleRequest request, ServerCallContext context)
    {
        var caller = context.GetHttpContext().User;
        var scope = AuditorScope(caller);
        new FieldViolations().Require(request.ObjectId.Length is > 0 and <= 200, "object_id", "Required, at most 200 characters.").ThrowIfAny();
        await log.RefreshAsync(context.CancellationToken);
        var checkpoint = log.LatestCheckpoint();
        var bundle = new AuditBundle
        {
            Format = "liaisonnet-audit-bundle/v1",
            ObjectId = request.ObjectId,
            Checkpoint = checkpoint,
            PublicKey = new PublicKey { KeyId = signer.KeyId, Spki = ByteString.CopyFrom(signer.PublicKey) },
        };
        for (long after = -1; bundle.Entries.Count < MaxBundleEntries;)
        {
            var page = await log.TrailAsync(request.ObjectId, scope, after, MaxTrailPage, context.CancellationToken);
            foreach (var entry in page.Where(e => e.Index < checkpoint.TreeSize))
            {
                bundle.Entries.Add(new BundleEntry { Entry = entry, Proof = Proof(entry.Index, checkpoint.TreeSize) });
            }

            if (page.Count < MaxTrailPage)
            {
                break;
            }

            after = page[^1].Index;
        }

        await RecordAuditorQueryAsync(caller, "audit.bundle.exported", request.ObjectId, context.CancellationToken);
        return bundle;
    }

    private InclusionProof Proof(long index, long treeSize) => new()
    {
        Index = index,
        TreeSize = treeSize,
        Hashes = { log.InclusionProof(index, treeSize).Select(ByteString.CopyFrom) },
    };

    public override Task<ListPublicKeysResponse> ListPublicKeys(ListPublicKeysRequest request, ServerCallContext context) =>
        Task.FromResult(new ListPublicKeysResponse
        {
            Keys = { signer.Keys.Select(k => new PublicKey { KeyId = k.KeyId, Spki = ByteString.CopyFrom(k.PublicKey), SigningFrom = Timestamp.FromDateTimeOffset(k.SigningFrom) }) },
        });

    public override Task<PublicKey> GetPublicKey(GetPublicKeyRequest request, ServerCallContext context) =>
        Task.FromResult(new PublicKey { KeyId = signer.KeyId, Spki = ByteString.CopyFrom(signer.PublicKey) });

    /// <summary>An auditor of an agency sees that agency's entries; an auditor who is also a system administrator sees all.</summary>
    private static AuditScope AuditorScope(ClaimsPrincipal caller)
    {
        if (!caller.HasRole(LiaisonRoles.Auditor) || !caller.HasScope(LiaisonScopes.Audit))
        {
            throw RpcErrors.PermissionDenied("Only auditors may read the audit trail.");
        }

        if (caller.HasRole(LiaisonRoles.SystemAdmin))
        {
            return AuditScope.All;
        }

        return caller.Agency() is { Length: > 0 } agency
            ? new AuditScope(agency)
            : throw RpcErrors.PermissionDenied("The auditor's account names no agency.");
    }

    private Task RecordAuditorQueryAsync(ClaimsPrincipal caller, string action, string objectId, CancellationToken cancellationToken) =>
        log.AppendAsync(
        [
            new AuditEvent
            {
                EventId = Guid.CreateVersion7().ToString(),
                OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow),
                Actor = caller.SubjectId(),
                Action = action,
                ObjectType = "trail",
                ObjectId = objectId,
                Agencies = { caller.Agency() ?? string.Empty },
                Source = "liaison-audit",
            },
        ], cancellationToken);
}
