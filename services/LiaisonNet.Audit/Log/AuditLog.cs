using Google.Protobuf;
using LiaisonNet.Client.Audit;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Audit.Log;

/// <summary>What a trail query asks for: an object, an agency, a time range (milliseconds since 1970), any combination.</summary>
public sealed record TrailQuery(string? Reference, string? Agency, long? FromMs, long? ToMs);

/// <summary>Who may see which entries: everything, or the entries that involve one agency.</summary>
public sealed record AuditScope(string? Agency)
{
    public static AuditScope All { get; } = new((string?)null);

    /// <summary>Events of the log itself (for example a key rotation) name the agency "*": every auditor sees them.</summary>
    public const string EveryAgency = "*";

    public bool Covers(AuditEvent e) => Agency is null || e.Agencies.Contains(Agency) || e.Agencies.Contains(EveryAgency);
}

/// <summary>
/// The append-only log: entries in the service's database (the durable truth), subtree hashes in memory (rebuilt from
/// the stored leaf hashes at start, and caught up with what other processes appended). Appends are serialised across
/// every process sharing the database (one writer at a time, under the database's lock) and committed in one
/// transaction per batch, so indexes stay strictly ordered and gap-free.
/// </summary>
public sealed class AuditLog(ServiceDatabase db, CheckpointSigner signer, ILogger<AuditLog> logger) : IHostedService, IDisposable
{
    /// <summary>The schema, version by version; released versions are never edited.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "entries, their references and agencies",
            Sqlite: """
                CREATE TABLE IF NOT EXISTS entries(
                    idx INTEGER PRIMARY KEY,
                    event_id TEXT NOT NULL UNIQUE,
                    data BLOB NOT NULL,
                    leaf_hash BLOB NOT NULL,
                    occurred_at INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS entry_refs(ref TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY(ref, idx)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS entry_agencies(agency TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY(agency, idx)) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS entries_leaf_hash ON entries(leaf_hash);
                """,
            Postgres: """
                CREATE TABLE IF NOT EXISTS entries(
                    idx BIGINT PRIMARY KEY,
                    event_id TEXT NOT NULL UNIQUE,
                    data BYTEA NOT NULL,
                    leaf_hash BYTEA NOT NULL,
                    occurred_at BIGINT NOT NULL);
                CREATE TABLE IF NOT EXISTS entry_refs(ref TEXT NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY(ref, idx));
                CREATE TABLE IF NOT EXISTS entry_agencies(agency TEXT NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY(agency, idx));
                CREATE INDEX IF NOT EXISTS entries_leaf_hash ON entries(leaf_hash);
                """),
    ];

    private const string WriterLock = "audit-log-writer";

    private readonly SubtreeCache _tree = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    public long Size => _tree.Size;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await SchemaMigrations.ApplyAsync(db, Migrations, cancellationToken);
        await RefreshAsync(cancellationToken);
        logger.LogInformation("Audit log opened with {Size} entries", _tree.Size);
        if (signer.RotatedAtStart)
        {
            // The log records its own key change, so that the chain from old checkpoints to new ones is on the record.
            await AppendAsync(
            [
                new AuditEvent
                {
                    EventId = $"checkpoint-key-{signer.KeyId}", OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    Actor = "liaison-audit", Action = "audit.checkpoint_key.rotated", ObjectType = "checkpoint-key", ObjectId = signer.KeyId,
                    ContentHash = ByteString.CopyFrom(System.Security.Cryptography.SHA256.HashData(signer.PublicKey)),
                    Agencies = { AuditScope.EveryAgency }, Related = { signer.PreviousKeyId ?? string.Empty }, Source = "liaison-audit",
                },
            ], cancellationToken);
            logger.LogWarning("Checkpoint signing key rotated: {Old} -> {New}", signer.PreviousKeyId, signer.KeyId);
        }
    }

    /// <summary>Takes into the tree the entries other processes sharing the database have appended since.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await SchemaMigrations.OpenOrExplainAsync(db, cancellationToken);
            await CatchUpAsync(connection, null, cancellationToken);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// Reads the leaf hashes stored beyond the tree. What other writers committed is always a prefix of the log (each
    /// held the writer lock until it committed), so a gap here means a damaged log.
    /// </summary>
    private async Task CatchUpAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT idx, leaf_hash FROM entries WHERE idx >= @size ORDER BY idx", transaction, ("@size", _tree.Size));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt64(0) != _tree.Size)
            {
                throw new InvalidOperationException($"The audit log has a gap at index {_tree.Size}; refusing to go on with a damaged log.");
            }

            _tree.Append((byte[])reader[1]);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _writer.Dispose();

    /// <summary>Appends the events that are not already in the log; returns each event's index.</summary>
    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await db.LockAsync(connection, transaction, WriterLock, cancellationToken);
            await CatchUpAsync(connection, transaction, cancellationToken);
            var results = new List<AppendResult>(events.Count);
            var added = new List<byte[]>();
            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var e in events)
            {
                if (seen.TryGetValue(e.EventId, out var same))
                {
                    results.Add(new AppendResult { EventId = e.EventId, Index = same, Duplicate = true });
                    continue;
                }

                await using (var find = connection.Command("SELECT idx FROM entries WHERE event_id = @id", transaction, ("@id", e.EventId)))
                {
                    if (await find.ExecuteScalarAsync(cancellationToken) is long existing)
                    {
                        results.Add(new AppendResult { EventId = e.EventId, Index = existing, Duplicate = true });
                        seen[e.EventId] = existing;
                        continue;
                    }
                }

                var index = _tree.Size + added.Count;
                var data = e.ToByteArray();
                var leaf = Merkle.LeafHash(data);
                await using (var insert = connection.Command(
                    "INSERT INTO entries(idx, event_id, data, leaf_hash, occurred_at) VALUES (@idx, @id, @data, @leaf, @at)", transaction,
                    ("@idx", index), ("@id", e.EventId), ("@data", data), ("@leaf", leaf), ("@at", e.OccurredAt.ToDateTimeOffset().ToUnixTimeMilliseconds())))
                {
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                foreach (var reference in e.Related.Prepend(e.ObjectId).Append(e.Actor).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal))
                {
                    await using var refInsert = connection.Command("INSERT INTO entry_refs(ref, idx) VALUES (@ref, @idx) ON CONFLICT DO NOTHING", transaction, ("@ref", reference), ("@idx", index));
                    await refInsert.ExecuteNonQueryAsync(cancellationToken);
                }

                foreach (var agency in e.Agencies.Where(a => a.Length > 0).Distinct(StringComparer.Ordinal))
                {
                    await using var agencyInsert = connection.Command("INSERT INTO entry_agencies(agency, idx) VALUES (@agency, @idx) ON CONFLICT DO NOTHING", transaction, ("@agency", agency), ("@idx", index));
                    await agencyInsert.ExecuteNonQueryAsync(cancellationToken);
                }

                added.Add(leaf);
                seen[e.EventId] = index;
                results.Add(new AppendResult { EventId = e.EventId, Index = index });
            }

            await transaction.CommitAsync(cancellationToken);
            foreach (var leaf in added)
            {
                _tree.Append(leaf);
            }

            return results;
        }
        finally
        {
            _writer.Release();
        }
    }

    public SignedCheckpoint LatestCheckpoint()
    {
        var size = _tree.Size;
        var checkpoint = new Checkpoint(size, _tree.Root(size), DateTimeOffset.UtcNow);
        var note = checkpoint.Note();
        return new SignedCheckpoint
        {
            TreeSize = size,
            RootHash = ByteString.CopyFrom(checkpoint.RootHash),
            IssuedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(checkpoint.IssuedAt),
            Note = note,
            Signature = ByteString.CopyFrom(signer.Sign(note)),
            KeyId = signer.KeyId,
        };
    }

    public IReadOnlyList<byte[]> InclusionProof(long index, long treeSize) => Merkle.InclusionProof(_tree, index, treeSize);

    /// <summary>The root of the first <paramref name="size"/> entries as this process has known them since it started.</summary>
    public byte[] RootOf(long size) => _tree.Root(size);

    /// <summary>
    /// Re-reads every stored entry and checks it against what was signed: indexes without a gap, each leaf hash the hash
    /// of its data, and the root of the stored leaves equal to the root this process has known (and signed) for that size.
    /// A changed byte, a deleted or reordered row, or a tail truncated and re-appended all fail; an untouched log passes.
    /// </summary>
    public async Task<VerificationResult> VerifyStoredAsync(CancellationToken cancellationToken)
    {
        var size = _tree.Size;
        var leaves = new List<byte[]>((int)size);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT idx, data, leaf_hash FROM entries WHERE idx < @size ORDER BY idx", null, ("@size", size));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var index = reader.GetInt64(0);
            if (index != leaves.Count)
            {
                return VerificationResult.Fail(size, $"Entry {leaves.Count} is missing (the next stored is {index}).");
            }

            var leaf = (byte[])reader[2];
            if (!Merkle.LeafHash((byte[])reader[1]).AsSpan().SequenceEqual(leaf))
            {
                return VerificationResult.Fail(size, $"Entry {index}: its stored data does not hash to its stored leaf hash.");
            }

            leaves.Add(leaf);
        }

        if (leaves.Count != size)
        {
            return VerificationResult.Fail(size, $"{leaves.Count} entries stored; {size} were signed.");
        }

        return Merkle.RootOf(leaves).AsSpan().SequenceEqual(_tree.Root(size))
            ? new VerificationResult(true, size, $"All {size} stored entries hash to the signed root.")
            : VerificationResult.Fail(size, "The stored entries no longer hash to the root that was signed: entries were changed, reordered or replaced.");
    }

    public IReadOnlyList<byte[]> ConsistencyProof(long firstSize, long secondSize) => Merkle.ConsistencyProof(_tree, firstSize, secondSize);

    /// <summary>The index of the entry with this leaf hash, or null.</summary>
    public async Task<long?> IndexOfLeafAsync(byte[] leafHash, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT idx FROM entries WHERE leaf_hash = @hash ORDER BY idx LIMIT 1", null, ("@hash", leafHash));
        return await command.ExecuteScalarAsync(cancellationToken) is long index ? index : null;
    }

    /// <summary>Entries [start, end); those outside <paramref name="scope"/> carry only their leaf hash.</summary>
    public async Task<IReadOnlyList<LogEntry>> EntriesAsync(long start, long end, AuditScope scope, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT idx, data, leaf_hash FROM entries WHERE idx >= @start AND idx < @end ORDER BY idx", null, ("@start", start), ("@end", end));
        return await ReadEntriesAsync(command, scope, cancellationToken);
    }

    /// <summary>Entries that name <paramref name="reference"/> (as object, actor or related id) within scope, after the index <paramref name="after"/>.</summary>
    public Task<IReadOnlyList<LogEntry>> TrailAsync(string reference, AuditScope scope, long after, int limit, CancellationToken cancellationToken) =>
        TrailAsync(new TrailQuery(reference, null, null, null), scope, after, limit, cancellationToken);

    /// <summary>Entries matching <paramref name="query"/> within <paramref name="scope"/>, after the index <paramref name="after"/>, oldest first.</summary>
    public async Task<IReadOnlyList<LogEntry>> TrailAsync(TrailQuery query, AuditScope scope, long after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var joins = new List<string>();
        var where = new List<string> { "e.idx > @after" };
        var parameters = new List<(string, object?)> { ("@after", after), ("@limit", limit) };
        if (query.Reference is { Length: > 0 })
        {
            joins.Add("JOIN entry_refs r ON r.idx = e.idx AND r.ref = @ref");
            parameters.Add(("@ref", query.Reference));
        }

        // The caller's scope, and the agency asked for, each narrow the entries.
        if (scope.Agency is not null)
        {
            joins.Add("JOIN entry_agencies a ON a.idx = e.idx AND a.agency = @scope");
            parameters.Add(("@scope", scope.Agency));
        }

        if (query.Agency is { Length: > 0 } && query.Agency != scope.Agency)
        {
            joins.Add("JOIN entry_agencies q ON q.idx = e.idx AND q.agency = @agency");
            parameters.Add(("@agency", query.Agency));
        }

        if (query.FromMs is { } fromMs)
        {
            where.Add("e.occurred_at >= @from");
            parameters.Add(("@from", fromMs));
        }

        if (query.ToMs is { } toMs)
        {
            where.Add("e.occurred_at < @to");
            parameters.Add(("@to", toMs));
        }

        var sql = $"SELECT e.idx, e.data, e.leaf_hash FROM entries e {string.Join(' ', joins)} WHERE {string.Join(" AND ", where)} ORDER BY e.idx LIMIT @limit";
        await using var command = connection.Command(sql, null, [.. parameters]);
        return await ReadEntriesAsync(command, scope, cancellationToken);
    }

    private static async Task<IReadOnlyList<LogEntry>> ReadEntriesAsync(DbCommand command, AuditScope scope, CancellationToken cancellationToken)
    {
        var entries = new List<LogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var data = (byte[])reader[1];
            var e = AuditEvent.Parser.ParseFrom(data);
            var entry = new LogEntry { Index = reader.GetInt64(0), LeafHash = ByteString.CopyFrom((byte[])reader[2]) };
            if (scope.Covers(e))
            {
                entry.Data = ByteString.CopyFrom(data);
                entry.Event = e;
            }

            entries.Add(entry);
        }

        return entries;
    }
}
