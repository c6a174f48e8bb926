using Google.Protobuf;
using LiaisonNet.Protos.Audit.V1;

namespace LiaisonNet.Client.Audit;

/// <summary>
/// Verifies an exported audit bundle with nothing but the bundle (and, best, the audit service's public key obtained
/// beforehand through another channel): the checkpoint's signature, and for every entry that its data hashes to its
/// leaf hash, that its decoded event is exactly that data, and that its inclusion proof leads to the signed root.
/// See docs/audit-bundles.md for the procedure.
/// </summary>
public static class AuditBundleVerifier
{
    public const string Format = "liaisonnet-audit-bundle/v1";

    /// <param name="bundle">The bundle as exported (for example read back with <c>AuditBundle.Parser.ParseFrom(bytes)</c>).</param>
    /// <param name="pinnedPublicKey">The audit service's key as the verifier already knows it (SubjectPublicKeyInfo, DER);
    /// when null, the key in the bundle is used, which proves only that the bundle is consistent with itself.</param>
    public static VerificationResult Verify(AuditBundle bundle, ReadOnlySpan<byte> pinnedPublicKey = default)
    {
        var size = bundle.Checkpoint?.TreeSize ?? 0;
        if (bundle.Format != Format || bundle.Checkpoint is null || bundle.PublicKey is null)
        {
            return VerificationResult.Fail(size, $"Not a {Format} bundle.");
        }

        if (!pinnedPublicKey.IsEmpty && !pinnedPublicKey.SequenceEqual(bundle.PublicKey.Spki.Span))
        {
            return VerificationResult.Fail(size, "The bundle's public key is not the one you trust.");
        }

        var checkpoint = AuditLogVerifier.VerifyCheckpoint(bundle.Checkpoint, bundle.PublicKey);
        if (!checkpoint.Valid)
        {
            return checkpoint;
        }

        foreach (var item in bundle.Entries)
        {
            var entry = item.Entry;
            if (entry is null || item.Proof is null)
            {
                return VerificationResult.Fail(size, "An entry or its proof is missing.");
            }

            if (!Merkle.LeafHash(entry.Data.Span).AsSpan().SequenceEqual(entry.LeafHash.Span))
            {
                return VerificationResult.Fail(size, $"Entry {entry.Index}: its data does not hash to its leaf hash.");
            }

            if (entry.Event is null || !entry.Event.ToByteString().Equals(entry.Data))
            {
                return VerificationResult.Fail(size, $"Entry {entry.Index}: the event shown differs from the data that was logged.");
            }

            if (!AuditLogVerifier.VerifyInclusion(entry, item.Proof, bundle.Checkpoint))
            {
                return VerificationResult.Fail(size, $"Entry {entry.Index}: its inclusion proof does not lead to the signed root.");
            }
        }

        return new VerificationResult(true, size, $"{bundle.Entries.Count} entries of '{bundle.ObjectId}' are in the log of {size} entries the checkpoint signs.");
    }

    /// <summary>Checks that the log of <paramref name="newer"/> extends the log of <paramref name="older"/> (nothing rewritten between them).</summary>
    public static bool VerifyConsistency(SignedCheckpoint older, SignedCheckpoint newer, ConsistencyProof proof) =>
        proof.FirstSize == older.TreeSize && proof.SecondSize == newer.TreeSize
        && Merkle.VerifyConsistency(older.TreeSize, newer.TreeSize, older.RootHash.Span, newer.RootHash.Span, proof.Hashes.Select(h => h.ToByteArray()).ToList());
}
