using Google.Protobuf;
using LiaisonNet.Protos.Audit.V1;

namespace LiaisonNet.Client.Audit;

/// <summary>What a verification found.</summary>
public sealed record VerificationResult(bool Valid, long TreeSize, string Detail)
{
    public static VerificationResult Fail(long size, string detail) => new(false, size, detail);
}

/// <summary>
/// Verifies the audit log independently of the server that keeps it: the checkpoint signature against the published key,
/// every leaf hash against its stored data, the root recomputed from all leaves, and inclusion proofs of chosen entries.
/// </summary>
public static class AuditLogVerifier
{
    public static VerificationResult VerifyCheckpoint(SignedCheckpoint checkpoint, PublicKey key)
    {
        if (!Checkpoint.TryParse(checkpoint.Note, out var parsed) || parsed is null)
        {
            return VerificationResult.Fail(checkpoint.TreeSize, "The checkpoint note is malformed.");
        }

        if (parsed.TreeSize != checkpoint.TreeSize || !parsed.RootHash.AsSpan().SequenceEqual(checkpoint.RootHash.Span))
        {
            return VerificationResult.Fail(checkpoint.TreeSize, "The checkpoint fields differ from its signed note.");
        }

        if (checkpoint.KeyId != Checkpoint.KeyIdOf(key.Spki.Span) || !Checkpoint.VerifySignature(checkpoint.Note, checkpoint.Signature.Span, key.Spki.Span))
        {
            return VerificationResult.Fail(checkpoint.TreeSize, "The checkpoint signature does not verify with the published key.");
        }

        return new VerificationResult(true, checkpoint.TreeSize, "Checkpoint signature verified.");
    }

    /// <summary>Checks that <paramref name="entries"/>, indexes 0 to size-1 in order, are exactly the tree the checkpoint signs.</summary>
    public static VerificationResult VerifyEntries(SignedCheckpoint checkpoint, IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count != checkpoint.TreeSize)
        {
            return VerificationResult.Fail(checkpoint.TreeSize, $"Expected {checkpoint.TreeSize} entries, got {entries.Count}.");
        }

        var leaves = new byte[entries.Count][];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Index != i)
            {
                return VerificationResult.Fail(checkpoint.TreeSize, $"Entry {i} carries index {entry.Index}.");
            }

            leaves[i] = entry.LeafHash.ToByteArray();
            if (!entry.Data.IsEmpty && !Merkle.LeafHash(entry.Data.Span).AsSpan().SequenceEqual(leaves[i]))
            {
                return VerificationResult.Fail(checkpoint.TreeSize, $"Entry {i}: its data does not hash to its leaf hash.");
            }

            if (!entry.Data.IsEmpty && entry.Event is not null && !entry.Event.ToByteString().Equals(entry.Data))
            {
                return VerificationResult.Fail(checkpoint.TreeSize, $"Entry {i}: the decoded event differs from the stored data.");
            }
        }

        var root = Merkle.RootOf(leaves);
        return root.AsSpan().SequenceEqual(checkpoint.RootHash.Span)
            ? new VerificationResult(true, checkpoint.TreeSize, $"All {entries.Count} entries hash to the signed root.")
            : VerificationResult.Fail(checkpoint.TreeSize, "The entries do not hash to the signed root.");
    }

    public static bool VerifyInclusion(LogEntry entry, InclusionProof proof, SignedCheckpoint checkpoint) =>
        proof.Index == entry.Index && proof.TreeSize == checkpoint.TreeSize
        && Merkle.VerifyInclusion(entry.Index, checkpoint.TreeSize, Merkle.LeafHash(entry.Data.Span),
            proof.Hashes.Select(h => h.ToByteArray()).ToList(), checkpoint.RootHash.Span);

    /// <summary>Fetches the latest checkpoint, the key and every entry through <paramref name="audit"/>, and verifies them all.</summary>
    public static async Task<VerificationResult> VerifyLogAsync(AuditService.AuditServiceClient audit, CancellationToken cancellationToken = default)
    {
        var key = await audit.GetPublicKeyAsync(new GetPublicKeyRequest(), cancellationToken: cancellationToken);
        var checkpoint = await audit.GetCheckpointAsync(new GetCheckpointRequest(), cancellationToken: cancellationToken);
        var signature = VerifyCheckpoint(checkpoint, key);
        if (!signature.Valid)
        {
            return signature;
        }

        var entries = new List<LogEntry>((int)checkpoint.TreeSize);
        for (long start = 0; start < checkpoint.TreeSize; start += 1000)
        {
            var page = await audit.GetEntriesAsync(
                new GetEntriesRequest { Start = start, End = Math.Min(start + 1000, checkpoint.TreeSize) }, cancellationToken: cancellationToken);
            entries.AddRange(page.Entries);
        }

        return VerifyEntries(checkpoint, entries);
    }
}
