using System.Data.Common;
using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Client;
using LiaisonNet.Client.Audit;
using LiaisonNet.Client.Auth;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.TestKit;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// 100,000 entries, then the stored log tampered with directly in its database four ways: the monitor's verification
/// catches each one (degraded health), and passes again once the data is put back; no false alarm on the untouched log.
/// </summary>
public sealed class AuditTamperTests : IAsyncLifetime
{
    private RunningSystem _system = null!;

    public async Task InitializeAsync() => _system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Audit:VerifyInterval"] = "00:00:01" });

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task EveryKindOfTamperingIsDetectedAndAnUntouchedLogOf100000EntriesPasses()
    {
        await AppendAsync(100_000);
        await AssertHealthAsync("Healthy");
        // Behind the service's back, in its own database (SQLite or PostgreSQL, as the run is).
        await using var db = await _system.DatabaseOf(ServiceDefaults.Hosting.ServiceKind.Audit).OpenAsync();

        // One byte changed in one entry's data.
        var (data, leaf) = await RowAsync(db, 50_000);
        var changed = (byte[])data.Clone();
        changed[^1] ^= 1;
        await Exec(db, "UPDATE entries SET data = @d WHERE idx = 50000", ("@d", changed));
        await AssertHealthAsync("Degraded");
        await Exec(db, "UPDATE entries SET data = @d WHERE idx = 50000", ("@d", data));
        await AssertHealthAsync("Healthy");

        // The same change with its leaf hash recomputed to match: the root gives it away.
        await Exec(db, "UPDATE entries SET data = @d, leaf_hash = @l WHERE idx = 50000", ("@d", changed), ("@l", Merkle.LeafHash(changed)));
        await AssertHealthAsync("Degraded");
        await Exec(db, "UPDATE entries SET data = @d, leaf_hash = @l WHERE idx = 50000", ("@d", data), ("@l", leaf));
        await AssertHealthAsync("Healthy");

        // A row deleted.
        var (deleted, deletedLeaf) = await RowAsync(db, 70_000);
        var deletedId = (await ScalarAsync(db, "SELECT event_id FROM entries WHERE idx = 70000"))!;
        var deletedAt = (await ScalarAsync(db, "SELECT occurred_at FROM entries WHERE idx = 70000"))!;
        await Exec(db, "DELETE FROM entries WHERE idx = 70000");
        await AssertHealthAsync("Degraded");
        await Exec(db, "INSERT INTO entries(idx, event_id, data, leaf_hash, occurred_at) VALUES (70000, @id, @d, @l, @at)", ("@id", deletedId), ("@d", deleted), ("@l", deletedLeaf), ("@at", deletedAt));
        await AssertHealthAsync("Healthy");

        // Two rows swapped.
        var (a, aLeaf) = await RowAsync(db, 10);
        var (b, bLeaf) = await RowAsync(db, 11);
        await Exec(db, "UPDATE entries SET data = @d, leaf_hash = @l, event_id = event_id || '-' WHERE idx = 10", ("@d", b), ("@l", bLeaf));
        await Exec(db, "UPDATE entries SET data = @d, leaf_hash = @l WHERE idx = 11", ("@d", a), ("@l", aLeaf));
        await AssertHealthAsync("Degraded");
        await Exec(db, "UPDATE entries SET data = @d, leaf_hash = @l WHERE idx = 11", ("@d", b), ("@l", bLeaf));
        await Exec(db, "UPDATE entries SET data = @d, leaf_hash = @l, event_id = substr(event_id, 1, length(event_id) - 1) WHERE idx = 10", ("@d", a), ("@l", aLeaf));
        await AssertHealthAsync("Healthy");

        // The tail truncated and re-appended with other, well-formed entries.
        var size = (long)(await ScalarAsync(db, "SELECT COUNT(*) FROM entries"))!;
        var tail = new List<(long Idx, object Id, byte[] Data, byte[] Leaf, object At)>();
        await using (var read = db.Command("SELECT idx, event_id, data, leaf_hash, occurred_at FROM entries WHERE idx >= @from ORDER BY idx", null, ("@from", size - 100)))
        {
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tail.Add((reader.GetInt64(0), reader.GetValue(1), (byte[])reader[2], (byte[])reader[3], reader.GetValue(4)));
            }
        }

        await Exec(db, "DELETE FROM entries WHERE idx >= @from", ("@from", size - 100));
        foreach (var row in tail)
        {
            var forged = new AuditEvent { EventId = $"forged-{row.Idx}", Action = "message.sent", Actor = "nobody", OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow) }.ToByteArray();
            await Exec(db, "INSERT INTO entries(idx, event_id, data, leaf_hash, occurred_at) VALUES (@i, @id, @d, @l, 0)", ("@i", row.Idx), ("@id", $"forged-{row.Idx}"), ("@d", forged), ("@l", Merkle.LeafHash(forged)));
        }

        await AssertHealthAsync("Degraded");
        await Exec(db, "DELETE FROM entries WHERE idx >= @from", ("@from", size - 100));
        foreach (var row in tail)
        {
            await Exec(db, "INSERT INTO entries(idx, event_id, data, leaf_hash, occurred_at) VALUES (@i, @id, @d, @l, @at)", ("@i", row.Idx), ("@id", row.Id), ("@d", row.Data), ("@l", row.Leaf), ("@at", row.At));
        }

        await AssertHealthAsync("Healthy");
    }

    [Fact]
    public async Task ALogRewrittenWhileTheServiceWasDownIsCaughtAgainstTheLastVerifiedCheckpoint()
    {
        await AppendAsync(1_000);
        await AssertHealthAsync("Healthy");
        await SavedCheckpointCoversAsync(1_000);

        await _system.StopServiceAsync(ServiceDefaults.Hosting.ServiceKind.Audit);
        await using (var db = await _system.DatabaseOf(ServiceDefaults.Hosting.ServiceKind.Audit).OpenAsync())
        {
            // A consistent forgery: new data with its own leaf hash, so the rebuilt tree is self-consistent.
            var forged = new AuditEvent { EventId = "rewritten", Action = "test.appended", Actor = "forger", OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow) }.ToByteArray();
            await Exec(db, "UPDATE entries SET data = @d, leaf_hash = @l, event_id = 'rewritten' WHERE idx = 5", ("@d", forged), ("@l", Merkle.LeafHash(forged)));
        }

        await _system.StartServiceAsync(ServiceDefaults.Hosting.ServiceKind.Audit);
        await AssertHealthAsync("Degraded");
    }

    private async Task AppendAsync(int count)
    {
        var secrets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_system.DataPath, "host-secrets.json"))).RootElement;
        using var http = new HttpClient();
        var tokens = new ClientCredentialsTokenSource(http, new Uri(_system.Urls.Issuer, "connect/token"), "liaison-relay",
            secrets.GetProperty("RelayClientSecret").GetString()!, ["audit.append"]);
        using var service = new LiaisonClient(_system.Endpoints, tokens);
        await Parallel.ForAsync(0, count / 500, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, cancellation) =>
        {
            var request = new AppendRequest();
            for (var i = 0; i < 500; i++)
            {
                request.Events.Add(new AuditEvent
                {
                    EventId = $"tamper-{batch}-{i}", OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow), Actor = "test", Action = "test.appended",
                    ObjectType = "test", ObjectId = $"object-{batch}-{i}", Agencies = { "KZ-BS" }, Source = "tests",
                });
            }

            await service.Audit.AppendAsync(request, cancellationToken: cancellation);
        });
    }

    private Task AssertHealthAsync(string expected) => Expect.HealthAsync(_system.Urls.Audit, expected);

    private Task SavedCheckpointCoversAsync(long size) => Expect.SavedCheckpointCoversAsync(_system.DataPath, size);

    private static async Task<(byte[] Data, byte[] Leaf)> RowAsync(DbConnection db, long index)
    {
        await using var command = db.Command("SELECT data, leaf_hash FROM entries WHERE idx = @i", null, ("@i", index));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return ((byte[])reader[0], (byte[])reader[1]);
    }

    private static async Task<object?> ScalarAsync(DbConnection db, string sql)
    {
        await using var command = db.Command(sql);
        return await command.ExecuteScalarAsync();
    }

    private static async Task Exec(DbConnection db, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = db.Command(sql, null, parameters);
        await command.ExecuteNonQueryAsync();
    }
}
