using Google.Protobuf;
using Grpc.Core;
using LiaisonNet.Client.Audit;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>An exported trail verifies offline; the same bundle with anything altered does not.</summary>
public sealed class AuditBundleTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task AnExportedBundleVerifiesOfflineAndEveryAlterationIsCaught()
    {
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        using var recipient = await fixture.System.ClientForUserAsync("khodjaev");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Priority, Subject = "For the bundle", Body = "…",
        });
        await recipient.Relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = sent.MessageId });

        using var auditor = await fixture.System.ClientForUserAsync("omarova");
        var key = await auditor.Audit.GetPublicKeyAsync(new GetPublicKeyRequest());
        AuditBundle bundle;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(250);
            bundle = await auditor.Audit.ExportBundleAsync(new ExportBundleRequest { ObjectId = sent.MessageId });
        }
        while (!bundle.Entries.Any(e => e.Entry.Event.Action == "message.acknowledged") && DateTime.UtcNow < deadline);

        // Written to a file and read back, as it would travel to a partner agency.
        var file = Path.Combine(fixture.System.DataPath, "bundle.bin");
        await File.WriteAllBytesAsync(file, bundle.ToByteArray());
        var offline = AuditBundle.Parser.ParseFrom(await File.ReadAllBytesAsync(file));
        var result = AuditBundleVerifier.Verify(offline, key.Spki.Span);
        Assert.True(result.Valid, result.Detail);
        Assert.Contains(offline.Entries, e => e.Entry.Event.Action == "message.sent");

        // One event altered (the actor), re-encoded so that data and event agree: the leaf hash no longer matches.
        var altered = offline.Clone();
        var changed = altered.Entries[0].Entry.Event;
        changed.Actor = "someone-else";
        altered.Entries[0].Entry.Data = changed.ToByteString();
        Assert.False(AuditBundleVerifier.Verify(altered).Valid);

        // The event shown differs from the data logged.
        var shown = offline.Clone();
        shown.Entries[0].Entry.Event.Actor = "someone-else";
        Assert.False(AuditBundleVerifier.Verify(shown).Valid);

        // The leaf hash recomputed too: the proof no longer reaches the signed root.
        var rehashed = altered.Clone();
        rehashed.Entries[0].Entry.LeafHash = ByteString.CopyFrom(Merkle.LeafHash(rehashed.Entries[0].Entry.Data.Span));
        Assert.False(AuditBundleVerifier.Verify(rehashed).Valid);

        // A proof hash flipped, a proof truncated, the root replaced, another key.
        var flipped = offline.Clone();
        var hash = flipped.Entries[0].Proof.Hashes[0].ToByteArray();
        hash[0] ^= 1;
        flipped.Entries[0].Proof.Hashes[0] = ByteString.CopyFrom(hash);
        Assert.False(AuditBundleVerifier.Verify(flipped).Valid);
        var truncated = offline.Clone();
        truncated.Entries[0].Proof.Hashes.RemoveAt(truncated.Entries[0].Proof.Hashes.Count - 1);
        Assert.False(AuditBundleVerifier.Verify(truncated).Valid);
        var rerooted = offline.Clone();
        rerooted.Checkpoint.RootHash = ByteString.CopyFrom(new byte[32]);
        Assert.False(AuditBundleVerifier.Verify(rerooted).Valid);
        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        Assert.False(AuditBundleVerifier.Verify(offline, other.ExportSubjectPublicKeyInfo()).Valid);
    }

    [Fact]
    public async Task ConsistencyProofsShowTheLogOnlyGrewAndProofsByLeafHashWork()
    {
        using var auditor = await fixture.System.ClientForUserAsync("omarova");
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        // A consistency proof starts from a non-empty tree: wait for the first entries (sign-ins, through an outbox).
        var older = await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest());
        for (var wait = DateTime.UtcNow.AddSeconds(20); older.TreeSize == 0 && DateTime.UtcNow < wait; await Task.Delay(200))
        {
            older = await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest());
        }

        await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine, Subject = "Growth", Body = "…",
        });
        SignedCheckpoint newer;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(200);
            newer = await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest());
        }
        while (newer.TreeSize == older.TreeSize && DateTime.UtcNow < deadline);

        var proof = await auditor.Audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = older.TreeSize, SecondSize = newer.TreeSize });
        Assert.True(AuditBundleVerifier.VerifyConsistency(older, newer, proof));
        var forged = newer.Clone();
        forged.RootHash = older.RootHash;
        Assert.False(AuditBundleVerifier.VerifyConsistency(older, forged, proof));

        var entry = (await auditor.Audit.GetEntriesAsync(new GetEntriesRequest { Start = 0, End = 1 })).Entries[0];
        var byHash = await auditor.Audit.GetInclusionProofAsync(new GetInclusionProofRequest { LeafHash = entry.LeafHash, TreeSize = newer.TreeSize });
        Assert.Equal(0, byHash.Index);
        Assert.True(AuditLogVerifier.VerifyInclusion(entry, byHash, newer));
        var missing = await Assert.ThrowsAsync<RpcException>(() => auditor.Audit.GetInclusionProofAsync(new GetInclusionProofRequest { LeafHash = ByteString.CopyFrom(new byte[32]), TreeSize = newer.TreeSize }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}

/// <summary>Trail queries by case, desk, agency and time range, within the auditor's scope.</summary>
public sealed class TrailQueryTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task TrailsByCaseAgencyAndTimeRangeStayWithinTheAuditorsAgency()
    {
        var caseId = $"KZ-CASE-{Guid.NewGuid():n}"[..20];
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var sender = await fixture.System.ClientForUserAsync("sattarkhanov");
        var sent = await sender.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine, Subject = "Case work", Body = "…", CaseId = caseId,
        });

        using var auditor = await fixture.System.ClientForUserAsync("omarova"); // KZ-BS
        ListTrailResponse byCase;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(200);
            byCase = await auditor.Audit.ListTrailAsync(new ListTrailRequest { ObjectId = caseId });
        }
        while (byCase.Entries.Count == 0 && DateTime.UtcNow < deadline);

        Assert.Equal(sent.MessageId, Assert.Single(byCase.Entries).Event.ObjectId);

        var window = await auditor.Audit.ListTrailAsync(new ListTrailRequest
        {
            Agency = "KZ-BS", From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(before), PageSize = 500,
        });
        Assert.Contains(window.Entries, e => e.Event?.ObjectId == sent.MessageId);
        Assert.All(window.Entries, e => Assert.Contains("KZ-BS", e.Event.Agencies));
        Assert.All(window.Entries, e => Assert.True(e.Event.OccurredAt.ToDateTimeOffset() >= before));

        var empty = await auditor.Audit.ListTrailAsync(new ListTrailRequest { ObjectId = caseId, To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(before) });
        Assert.Empty(empty.Entries);

        var otherAgency = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => auditor.Audit.ListTrailAsync(new ListTrailRequest { Agency = "UZ-CUS" }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, otherAgency.StatusCode);
    }
}

/// <summary>The checkpoint-signing key rotates; every checkpoint ever signed still verifies, and the log records the change.</summary>
public sealed class CheckpointKeyRotationTests
{
    [Fact]
    public async Task OldCheckpointsVerifyWithTheirKeyAfterARotationThatTheLogRecords()
    {
        await using var system = await TestKit.RunningSystem.StartAsync();
        using (var auditor = await system.ClientForUserAsync("omarova"))
        {
            Assert.Single((await auditor.Audit.ListPublicKeysAsync(new ListPublicKeysRequest())).Keys);
        }

        SignedCheckpoint before;
        using (var auditor = await system.ClientForUserAsync("omarova"))
        {
            // Wait for the first entries (the sign-ins above reach the log through the identity server's outbox).
            var deadline = DateTime.UtcNow.AddSeconds(20);
            do
            {
                await Task.Delay(200);
                before = await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest());
            }
            while (before.TreeSize == 0 && DateTime.UtcNow < deadline);

            Assert.True(before.TreeSize > 0);
        }

        await system.RestartAsync(new Dictionary<string, string?> { ["Audit:RotateCheckpointKeyNow"] = "true" });
        using var client = await system.ClientForUserAsync("omarova");
        var keys = (await client.Audit.ListPublicKeysAsync(new ListPublicKeysRequest())).Keys;
        Assert.Equal(2, keys.Count);
        var after = await client.Audit.GetCheckpointAsync(new GetCheckpointRequest());
        Assert.NotEqual(before.KeyId, after.KeyId);
        Assert.Equal(keys[1].KeyId, after.KeyId);

        Assert.True(AuditLogVerifier.VerifyCheckpoint(before, keys.Single(k => k.KeyId == before.KeyId)).Valid);
        Assert.True(AuditLogVerifier.VerifyCheckpoint(after, keys.Single(k => k.KeyId == after.KeyId)).Valid);
        Assert.False(AuditLogVerifier.VerifyCheckpoint(before, keys.Single(k => k.KeyId == after.KeyId)).Valid);

        // The new tree extends the old one, and the rotation is in it, visible to every auditor.
        var proof = await client.Audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = before.TreeSize, SecondSize = after.TreeSize });
        Assert.True(AuditBundleVerifier.VerifyConsistency(before, after, proof));
        var tail = await client.Audit.GetEntriesAsync(new GetEntriesRequest { Start = before.TreeSize, End = after.TreeSize });
        var rotation = Assert.Single(tail.Entries, e => e.Event?.Action == "audit.checkpoint_key.rotated");
        Assert.Equal(after.KeyId, rotation.Event.ObjectId);
        Assert.Contains(before.KeyId, rotation.Event.Related);

        // A plain restart keeps the new key.
        await system.RestartAsync(new Dictionary<string, string?> { ["Audit:RotateCheckpointKeyNow"] = "false" });
        using var again = await system.ClientForUserAsync("omarova");
        Assert.Equal(after.KeyId, (await again.Audit.GetCheckpointAsync(new GetCheckpointRequest())).KeyId);
    }
}
