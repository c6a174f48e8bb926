using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using LiaisonNet.Client.Audit;
using LiaisonNet.Directory.Names;
using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Seed;
using NodaTime;

namespace LiaisonNet.Benchmarks.Micro;

/// <summary>The hot paths under BenchmarkDotNet: name folding, bounded edit distance, a directory search, Merkle hashing and proof checks.</summary>
[MemoryDiagnoser]
public class HotPaths
{
    private DirectoryIndex _index = null!;
    private byte[] _leaf = [];
    private byte[][] _leaves = [];
    private byte[] _root = [];
    private List<byte[]> _proof = [];

    [GlobalSetup]
    public void Setup()
    {
        var (officers, desks) = SyntheticDirectory.Generate(100_000, seed: 2026);
        _index = new DirectoryIndex();
        _index.Load(officers, desks, DemoDirectory.Places, DemoDirectory.Agencies, DemoDirectory.Units);
        _leaf = RandomNumberGenerator.GetBytes(120);
        _leaves = [.. Enumerable.Range(0, 1024).Select(i => Merkle.LeafHash(BitConverter.GetBytes(i)))];
        _root = Merkle.RootOf(_leaves);
        _proof = Merkle.InclusionProof(new LeafList(_leaves), 517, _leaves.Length);
    }

    [Benchmark]
    public string FoldCyrillicName() => NameFolding.Fold("Жақсылықова");

    [Benchmark]
    public int EditDistanceTwo() => EditDistance.Bounded("sattarhanov", "satarkanov", 2);

    [Benchmark]
    public int SearchOneTypoCrossScript() => _index.Search("Сейткалиев Ерлан", new SearchFilter(), Instant.FromUtc(2026, 11, 24, 6, 0), 20).Count;

    [Benchmark]
    public byte[] LeafHash() => Merkle.LeafHash(_leaf);

    [Benchmark]
    public bool VerifyInclusionIn1024() => Merkle.VerifyInclusion(517, _leaves.Length, _leaves[517], _proof, _root);

    private sealed class LeafList(byte[][] leaves) : ISubtreeHashes
    {
        public byte[] Hash(long start, long count) => Merkle.RootOf(leaves.Skip((int)start).Take((int)count).ToList());
    }
}
