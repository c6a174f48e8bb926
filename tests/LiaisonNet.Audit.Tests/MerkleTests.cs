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
                if (size / 2 > index && size / 2 != size)
                {
                    Assert.False(Merkle.VerifyInclusion(index, size / 2, leaf, proof, root));
                }

                Assert.False(Merkle.VerifyInclusion(index, size, leaf, proof, Merkle.EmptyRoot()));
                Assert.False(Merkle.VerifyInclusion(index, size, leaf, proof, Random32()));
                if (proof.Count > 0)
                {
                    Assert.False(Merkle.VerifyInclusion(index, size, leaf, [proof[0], Random32(), .. proof.Skip(1)], root));
                    Assert.False(Merkle.VerifyInclusion(index, size, leaf, [.. proof.Take(proof.Count - 1)], root));
                }
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
                    for (var p = 0; p < proof.Count; p++)
                    {
                        var flipped = proof.Select(h => (byte[])h.Clone()).ToList();
                        flipped[p][31] ^= 0x80;
                        Assert.False(Merkle.VerifyConsistency(size1, size2, root1, root2, flipped));
                        Assert.False(Merkle.VerifyConsistency(size1, size2, root1, root2, proof.Where((_, i) => i != p).ToList()));
                    }

                    Assert.False(Merkle.VerifyConsistency(size1, size2, root1, root2, [.. proof, Random32()]));
                    Assert.False(Merkle.VerifyConsistency(size1, size2, root1, Random32(), proof));
                    Assert.False(Merkle.VerifyConsistency(size1, size2, Random32(), root2, proof));
                    Assert.False(Merkle.VerifyConsistency(size1, size2 * 2, root1, root2, proof));
                    if (size1 > 1)
                    {
                        Assert.False(Merkle.VerifyConsistency(size1 / 2, size2, root1, root2, proof));
                    }
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

    [Fact]
    public void ProofsMatchThePublishedRfc6962Vectors()
    {
        // Inclusion and consistency proofs over the eight reference leaves, as published with the Certificate
        // Transparency and transparency-dev/merkle test suites.
        var cache = Cache(ReferenceLeaves.Select(l => Merkle.LeafHash(l)));
        (long Index, long Size, string[] Proof)[] inclusion =
        [
            (0, 1, []),
            (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
            (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
            (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
            (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        ];
        foreach (var (index, size, expected) in inclusion)
        {
            var proof = Merkle.InclusionProof(cache, index, size);
            Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
            Assert.True(Merkle.VerifyInclusion(index, size, Merkle.LeafHash(ReferenceLeaves[index]), [.. expected.Select(Convert.FromHexString)], Convert.FromHexString(ReferenceRoots[size - 1])));
        }

        (long Size1, long Size2, string[] Proof)[] consistency =
        [
            (1, 1, []),
            (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
            (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
            (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        ];
        foreach (var (size1, size2, expected) in consistency)
        {
            Assert.Equal(expected, Merkle.ConsistencyProof(cache, size1, size2).Select(Convert.ToHexStringLower));
            Assert.True(Merkle.VerifyConsistency(size1, size2, Convert.FromHexString(ReferenceRoots[size1 - 1]), Convert.FromHexString(ReferenceRoots[size2 - 1]),
                [.. expected.Select(Convert.FromHexString)]));
        }
    }

    private static byte[] Random32() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

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
