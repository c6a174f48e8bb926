using System.Numerics;
using System.Security.Cryptography;

namespace LiaisonNet.Client.Audit;

/// <summary>
/// RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing, proofs and proof verification.
/// Leaves and inner nodes are domain-separated: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right).
/// </summary>
public static class Merkle
{
    public const int HashSize = 32;

    /// <summary>The root of the empty tree: SHA-256 of the empty string.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = data.Length < 1024 ? stackalloc byte[data.Length + 1] : new byte[data.Length + 1];
        buffer[0] = 0x00;
        data.CopyTo(buffer[1..]);
        return SHA256.HashData(buffer);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashSize)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The largest power of two strictly less than <paramref name="n"/> (n &gt; 1).</summary>
    public static long SplitPoint(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    /// <summary>Root hash of the tree of the given leaf hashes.</summary>
    public static byte[] RootOf(IReadOnlyList<byte[]> leafHashes) =>
        leafHashes.Count == 0 ? EmptyRoot() : new ListSubtrees(leafHashes).Hash(0, leafHashes.Count);

    /// <summary>Verifies that <paramref name="leafHash"/> is leaf <paramref name="index"/> of the tree of <paramref name="treeSize"/> leaves with <paramref name="root"/> (RFC 9162 2.1.3.2).</summary>
    public static bool VerifyInclusion(long index, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= treeSize || leafHash.Length != HashSize || root.Length != HashSize)
        {
            return false;
        }

        long fn = index, sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (p is null || p.Length != HashSize || sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                if ((fn & 1) == 0)
                {
                    do
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                    while ((fn & 1) == 0 && fn != 0);
                }
            }
            else
            {
                r = NodeHash(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>Verifies that the tree of size <paramref name="size2"/> with <paramref name="root2"/> extends the one of <paramref name="size1"/> with <paramref name="root1"/> (RFC 9162 2.1.4.2).</summary>
    public static bool VerifyConsistency(long size1, long size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, IReadOnlyList<byte[]> proof)
    {
        if (size1 < 0 || size2 < size1 || root1.Length != HashSize || root2.Length != HashSize || proof.Any(p => p is null || p.Length != HashSize))
        {
            return false;
        }

        if (size1 == size2)
        {
            return proof.Count == 0 && root1.SequenceEqual(root2);
        }

        if (size1 == 0)
        {
            return proof.Count == 0;
        }

        if (proof.Count == 0)
        {
            return false;
        }

        var path = new List<byte[]>(proof);
        if (BitOperations.IsPow2(size1))
        {
            path.Insert(0, root1.ToArray());
        }

        long fn = size1 - 1, sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                if ((fn & 1) == 0)
                {
                    do
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                    while ((fn & 1) == 0 && fn != 0);
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.AsSpan().SequenceEqual(root1) && sr.AsSpan().SequenceEqual(root2);
    }

    /// <summary>Inclusion proof (audit path) of leaf <paramref name="index"/> in the first <paramref name="treeSize"/> leaves (RFC 9162 2.1.3.1).</summary>
    public static List<byte[]> InclusionProof(ISubtreeHashes tree, long index, long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, treeSize);
        var proof = new List<byte[]>();
        Path(tree, index, 0, treeSize, proof);
        return proof;
    }

    /// <summary>Consistency proof between the first <paramref name="size1"/> and <paramref name="size2"/> leaves (RFC 9162 2.1.4.1).</summary>
    public static List<byte[]> ConsistencyProof(ISubtreeHashes tree, long size1, long size2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size2, size1);
        var proof = new List<byte[]>();
        if (size1 > 0 && size1 < size2)
        {
            SubProof(tree, size1, 0, size2, true, proof);
        }

        return proof;
    }

    private static void Path(ISubtreeHashes tree, long m, long start, long n, List<byte[]> proof)
    {
        if (n <= 1)
        {
            return;
        }

        var k = SplitPoint(n);
        if (m < k)
        {
            Path(tree, m, start, k, proof);
            proof.Add(tree.Hash(start + k, n - k));
        }
        else
        {
            Path(tree, m - k, start + k, n - k, proof);
            proof.Add(tree.Hash(start, k));
        }
    }

    private static void SubProof(ISubtreeHashes tree, long m, long start, long n, bool whole, List<byte[]> proof)
    {
        if (m == n)
        {
            if (!whole)
            {
                proof.Add(tree.Hash(start, n));
            }

            return;
        }

        var k = SplitPoint(n);
        if (m <= k)
        {
            SubProof(tree, m, start, k, whole, proof);
            proof.Add(tree.Hash(start + k, n - k));
        }
        else
        {
            SubProof(tree, m - k, start + k, n - k, false, proof);
            proof.Add(tree.Hash(start, k));
        }
    }

    private sealed class ListSubtrees(IReadOnlyList<byte[]> leaves) : ISubtreeHashes
    {
        public byte[] Hash(long start, long count)
        {
            if (count == 1)
            {
                return leaves[(int)start];
            }

            var k = SplitPoint(count);
            return NodeHash(Hash(start, k), Hash(start + k, count - k));
        }
    }
}

/// <summary>Hash of any run of leaves [start, start + count) of a tree, as the proof algorithms need it.</summary>
public interface ISubtreeHashes
{
    byte[] Hash(long start, long count);
}
