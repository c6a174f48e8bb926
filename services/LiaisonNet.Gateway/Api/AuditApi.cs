using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;

namespace LiaisonNet.Gateway.Api;

/// <summary>One entry of a trail as the browser checks it: the logged bytes and leaf hash, and its inclusion proof against the checkpoint.</summary>
public sealed record TrailEntryDto(long Index, string Data, string LeafHash, IReadOnlyList<string> Proof);

/// <summary>A signed tree head: the exact note that was signed, its signature and the key that signed it.</summary>
public sealed record CheckpointDto(long TreeSize, string RootHash, string Note, string Signature, string KeyId);

public sealed record PublicKeyDto(string KeyId, string Spki);

/// <summary>
/// A page of a trail with everything needed to check it without trusting the server: each entry's bytes, the signed
/// checkpoint the proofs lead to, and the published keys. The browser decodes the events from the bytes itself.
/// </summary>
public sealed record TrailPageDto(IReadOnlyList<TrailEntryDto> Entries, CheckpointDto Checkpoint, IReadOnlyList<PublicKeyDto> Keys, string? NextPageToken);

public sealed record ConsistencyDto(long FirstSize, long SecondSize, IReadOnlyList<string> Hashes);

/// <summary>The auditor's routes: trails with proofs, consistency with a saved checkpoint, and bundles to download.</summary>
public static class AuditApi
{
    private static readonly AccessRule Auditors = AccessRule.Session(LiaisonRoles.Auditor)
        .Checks("The audit service answers for the auditor's own agency only, and records every query.");

    public static void MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit/trail", async (HttpContext context, AuditService.AuditServiceClient audit, string? objectId, string? agency, DateTimeOffset? from,
            DateTimeOffset? to, string? pageToken) =>
        {
            var call = await context.ForUserAsync();
            var request = new ListTrailRequest { ObjectId = objectId ?? string.Empty, Agency = agency ?? string.Empty, PageSize = 100, PageToken = pageToken ?? string.Empty };
            if (from is { } start)
            {
                request.From = Timestamp.FromDateTimeOffset(start);
            }

            if (to is { } end)
            {
                request.To = Timestamp.FromDateTimeOffset(end);
            }

            var trail = await audit.ListTrailAsync(request, call);
            var checkpoint = await audit.GetCheckpointAsync(new GetCheckpointRequest(), await context.ForUserAsync());
            var keys = await audit.ListPublicKeysAsync(new ListPublicKeysRequest(), await context.ForUserAsync());
            var entries = new List<TrailEntryDto>();
            foreach (var entry in trail.Entries.Where(e => e.Index < checkpoint.TreeSize))
            {
                var proof = await audit.GetInclusionProofAsync(new GetInclusionProofRequest { Index = entry.Index, TreeSize = checkpoint.TreeSize }, await context.ForUserAsync());
                entries.Add(new TrailEntryDto(entry.Index, B64(entry.Data), B64(entry.LeafHash), [.. proof.Hashes.Select(B64)]));
            }

            return Results.Ok(new TrailPageDto(entries, ToDto(checkpoint), [.. keys.Keys.Select(k => new PublicKeyDto(k.KeyId, B64(k.Spki)))],
                trail.NextPageToken.Length > 0 ? trail.NextPageToken : null));
        }).WithAccessRule(Auditors);

        api.MapGet("/audit/consistency", async (HttpContext context, AuditService.AuditServiceClient audit, long first) =>
        {
            var checkpoint = await audit.GetCheckpointAsync(new GetCheckpointRequest(), await context.ForUserAsync());
            var proof = await audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = first, SecondSize = checkpoint.TreeSize },
                await context.ForUserAsync());
            return Results.Ok(new { Checkpoint = ToDto(checkpoint), Proof = new ConsistencyDto(proof.FirstSize, proof.SecondSize, [.. proof.Hashes.Select(B64)]) });
        }).WithAccessRule(Auditors);

        api.MapGet("/audit/bundle", async (HttpContext context, AuditService.AuditServiceClient audit, string? objectId) =>
        {
            var bundle = await audit.ExportBundleAsync(new ExportBundleRequest { ObjectId = objectId ?? string.Empty }, await context.ForUserAsync(TimeSpan.FromSeconds(60)));
            var name = new string((objectId ?? "trail").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(80).ToArray());
            return Results.File(bundle.ToByteArray(), "application/octet-stream", $"liaisonnet-audit-{name}.bundle");
        }).WithAccessRule(Auditors);
    }

    private static CheckpointDto ToDto(SignedCheckpoint c) => new(c.TreeSize, B64(c.RootHash), c.Note, B64(c.Signature), c.KeyId);

    private static string B64(ByteString bytes) => bytes.ToBase64();
}
