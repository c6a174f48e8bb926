using LiaisonNet.Audit.Log;
using LiaisonNet.Client.Audit;

namespace LiaisonNet.Audit.Tests;

public sealed class MerkleTests
{
    // The RFC 6962 reference leaves used by the Certificate Transparency and transparency-dev test suites.
    private static readonly byte[][] ReferenceLeaves =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57], [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    // Roots of the trees of the first 1..8 reference leaves.
    private static readonly string[] ReferenceRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void EmptyTreeRootIsTheHashOfNothing() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(Merkle.EmptyRoot()));

    [Fact]
    public void RootsMatchTheReferenceVectors()
    {
        for (var size = 1; size <= ReferenceLeaves.Length; size++)
        {
            var leaves = ReferenceLeaves.Take(size).Select(l => Merkle.LeafHash(l)).ToList();
            Assert.Equal(ReferenceRoots[size - 1], Convert.ToHexStringLower(Merkle.RootOf(leaves)));
            var cache = Cache(leaves);
            Assert.Equal(ReferenceRoots[size - 1], Convert.ToHexStringLower(cache.Root(size)));
        }
    }

    [Fact]
    public void EveryInclusionProofVerifiesAndEveryCorruptionIsRejected()
    {
        var cache = Cache(Enumerable.Range(0, 70).Select(i => Merkle.LeafHash(BitConverter.GetBytes(i))).ToList());
        for (long size = 1; size <= 70; size++)
        {
            var root = cache.Root(size);
            for (long index = 0; index < size; index++)
            {
                var leaf = cache.LeafHash(index);
                var proof = Merkle.InclusionProof(cache, index, size);
                Assert.True(Merkle.VerifyInclusion(index, size, leaf, proof, root), $"leaf {index} of {size}");
                Assert.False(Merkle.VerifyInclusion(index, size, Merkle.LeafHash([1, 2, 3]), proof, root));
                if (index + 1 < size)
                {
                    Assert.False(Merkle.VerifyInclusion(index + 1, size, leaf, proof, root));
                }

                if (index > 0)
                {
                    Assert.False(Merkle.VerifyInclusion(index - 1, size, leaf, proof, root));
                }

                Assert.False(Merkle.VerifyInclusion(index, size * 2, leaf, proof, root));
                Assert.False(Merkle.VerifyInclusion(index, size, leaf, proof, Merkle.EmptyRoot()));
                for (var p = 0; p < proof.Count; p++)
                {
                    var flipped = proof.Select(h => (byte[])h.Clone()).ToList();
                    flipped[p][0] ^= 1;
                    Assert.False(Merkle.VerifyInclusion(index, size, leaf, flipped, root));
                    Assert.False(Merkle.VerifyInclusion(index, size, leaf, proof.Where((_, i) => i != p).ToList(), root));
                }

                Assert.False(Merkle.VerifyInclusion(index, size, leaf, [.. proof, root], root));
            }
        }
    }

    [Fact]
    public void EveryConsistencyProofVerifiesAndSwappedRootsAreRejected()
    {
        var cache = Cache(Enumerable.Range(0, 40).Select(i => Merkle.LeafHash(BitConverter.GetBytes(i))).ToList());
        for (long size2 = 1; size2 <= 40; size2++)
        {
            for (long size1 = 1; size1 <= size2; size1++)
            {
                var (root1, root2) = (cache.Root(size1), cache.Root(size2));
                var proof = Merkle.ConsistencyProof(cache, size1, size2);
                Assert.True(Merkle.VerifyConsistency(size1, size2, root1, root2, proof), $"{size1} -> {size2}");
                if (size1 < size2)
                {
                    Assert.False(Merkle.VerifyConsistency(size1, size2, root2, root1, proof));
                    Assert.False(Merkle.VerifyConsistency(size1, size2, root1, root2, proof.Take(proof.Count - 1).ToList()));
                    var flipped = proof.Select(h => (byte[])h.Clone()).ToList();
                    flipped[^1][31] ^= 0x80;
                    Assert.False(Merkle.VerifyConsistency(size1, size2, root1, root2, flipped));
                }
            }
        }
    }

    [Fact]
    public void SignedCheckpointNoteParsesBackAndItsSignatureVerifies()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var checkpoint = new Checkpoint(42, Merkle.LeafHash([7]), DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000));
        var note = checkpoint.Note();
        var signature = key.SignData(System.Text.Encoding.UTF8.GetBytes(note), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var spki = key.ExportSubjectPublicKeyInfo();

        Assert.True(Checkpoint.TryParse(note, out var parsed));
        Assert.Equal(42, parsed!.TreeSize);
        Assert.True(Checkpoint.VerifySignature(note, signature, spki));
        Assert.False(Checkpoint.VerifySignature(note.Replace("\n42\n", "\n43\n", StringComparison.Ordinal), signature, spki));
    }

    private static SubtreeCache Cache(IEnumerable<byte[]> leaves)
    {
        var cache = new SubtreeCache();
        foreach (var leaf in leaves)
        {
            cache.Append(leaf);
        }

        return cache;
    }
}
