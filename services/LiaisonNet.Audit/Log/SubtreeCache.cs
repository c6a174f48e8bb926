using LiaisonNet.Client.Audit;

namespace LiaisonNet.Audit.Log;

/// <summary>
/// The hashes of every complete subtree of the log, kept in memory, so that roots and proofs take O(log n) hash look-ups
/// and never a read of the whole log. Level k holds the hashes of aligned runs of 2^k leaves.
/// </summary>
public sealed class SubtreeCache : ISubtreeHashes
{
    private readonly List<List<byte[]>> _levels = [[]];
    private readonly Lock _lock = new();

    public long Size
    {
        get
        {
            lock (_lock)
            {
                return _levels[0].Count;
            }
        }
    }

    public void Append(byte[] leafHash)
    {
        lock (_lock)
        {
            _levels[0].Add(leafHash);
            var index = _levels[0].Count - 1;
            for (var level = 0; (index & 1) == 1; level++, index >>= 1)
            {
                if (_levels.Count == level + 1)
                {
                    _levels.Add([]);
                }

                _levels[level + 1].Add(Merkle.NodeHash(_levels[level][index - 1], _levels[level][index]));
            }
        }
    }

    public byte[] LeafHash(long index)
    {
        lock (_lock)
        {
            return _levels[0][(int)index];
        }
    }

    public byte[] Hash(long start, long count)
    {
        lock (_lock)
        {
            return HashLocked(start, count);
        }
    }

    public byte[] Root(long size) => size == 0 ? Merkle.EmptyRoot() : Hash(0, size);

    private byte[] HashLocked(long start, long count)
    {
        if (count <= 0 || start < 0 || start + count > _levels[0].Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Leaves [{start}, {start + count}) are not all in a log of {_levels[0].Count}.");
        }

        if ((count & (count - 1)) == 0 && start % count == 0)
        {
            var level = System.Numerics.BitOperations.Log2((ulong)count);
            return _levels[level][(int)(start / count)];
        }

        var k = Merkle.SplitPoint(count);
        return Merkle.NodeHash(HashLocked(start, k), HashLocked(start + k, count - k));
    }
}
