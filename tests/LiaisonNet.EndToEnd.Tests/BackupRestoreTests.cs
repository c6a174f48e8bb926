using System.Collections.Concurrent;
using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Client.Audit;
using LiaisonNet.Client.Auth;
using LiaisonNet.Host;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Microsoft.Extensions.Configuration;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// The host's backup and restore commands on a real system (SQLite, or PostgreSQL with pg_dump in the PostgreSQL pass):
/// a backup taken while an officer sends, restored onto the stopped system, brings back every message acknowledged
/// before it and an audit log that verifies against the checkpoints signed before it.
/// </summary>
public sealed class BackupRestoreTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    [Fact]
    public async Task ABackupTakenUnderLoadRestoresEveryAcknowledgedMessageAndALogThatExtendsTheCheckpointsBeforeIt()
    {
        await using var system = await RunningSystem.StartAsync();
        var backup = Scratch();
        string? replaced = null;
        try
        {
            using var sender = await system.ClientForUserAsync("sattarkhanov");
            using var auditor = await system.ClientForUserAsync("omarova");
            // Signed before the backup by the token key the backup holds: the restored system must still accept it.
            var tokenBefore = await system.AccessTokenForUserAsync(RelayDurabilityTests.RecipientUsers[0]);

            var acknowledged = new ConcurrentDictionary<string, string>();
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var request = RelayDurabilityTests.Message($"backup-{worker}-{n}", worker + n);
                    var sent = await sender.Relay.SendMessageAsync(request);
                    acknowledged[sent.MessageId] = request.ActionRecipients[0];
                }
            })).ToArray();

            await Expect.UntilAsync(TimeSpan.FromSeconds(60), () => Task.FromResult(acknowledged.Count >= 200), "200 sends acknowledged");
            await Expect.UntilAsync(TimeSpan.FromSeconds(60),
                async () => (await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest())).TreeSize >= 100, "the audit log holding the first sends");
            var early = await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest());

            // Every send acknowledged before the backup begins; sending goes on while it runs and after it.
            var before = acknowledged.ToDictionary(a => a.Key, a => a.Value);
            var output = new StringWriter();
            var manifest = await SystemBackup.BackupAsync(ConfigurationOf(system), backup, output);
            var afterBackup = acknowledged.Count;
            await Expect.UntilAsync(TimeSpan.FromSeconds(60), () => Task.FromResult(acknowledged.Count >= afterBackup + 100), "100 sends after the backup");
            await stop.CancelAsync();
            await Task.WhenAll(load);
            Assert.True(acknowledged.Count > before.Count, "sends went on during and after the backup");

            // What the lost system gave a recipient after the backup: the highest cursor a client of it could hold.
            using var lostClient = await system.ClientForUserAsync(RelayDurabilityTests.RecipientUsers[0]);
            var cursorSeen = (await RelayDurabilityTests.AllOf(lostClient)).Max(i => i.Cursor);

            var refusedWhileRunning = await Assert.ThrowsAsync<BackupException>(() => SystemBackup.RestoreAsync(ConfigurationOf(system), backup, replace: true, TextWriter.Null));
            Assert.Contains("is running", refusedWhileRunning.Message, StringComparison.Ordinal);

            RestoreReport? report = null;
            await system.RestartAsync(whileStopped: async () => report = await SystemBackup.RestoreAsync(ConfigurationOf(system), backup, replace: true, output));
            replaced = report!.ReplacedDataKeptIn;
            Assert.Equal(manifest.Id, report.Backup.Id);
            Assert.Empty(report.MissingBodyKeys);
            Assert.True(report.RelayMessages >= before.Count, output.ToString());

            // Every message acknowledged before the backup is in its recipient's inbox, and opens.
            foreach (var (user, id) in RelayDurabilityTests.RecipientUsers.Zip(RelayDurabilityTests.RecipientIds))
            {
                using var recipient = await system.ClientForUserAsync(user);
                var inbox = (await RelayDurabilityTests.AllOf(recipient)).ToDictionary(i => i.MessageId);
                foreach (var messageId in before.Where(b => b.Value == id).Select(b => b.Key))
                {
                    Assert.True(inbox.TryGetValue(messageId, out var item), $"{messageId}, acknowledged before the backup, is in {user}'s inbox");
                    Assert.StartsWith("Durability backup-", item!.Subject, StringComparison.Ordinal);
                }
            }

            // The log verifies, extends the checkpoint signed before the backup, under the key that signed it, and records the restore.
            using var auditorAfter = await system.ClientForUserAsync("omarova");
            var verdict = await AuditLogVerifier.VerifyLogAsync(auditorAfter.Audit);
            Assert.True(verdict.Valid, verdict.Detail);
            var keys = (await auditorAfter.Audit.ListPublicKeysAsync(new ListPublicKeysRequest())).Keys;
            Assert.True(AuditLogVerifier.VerifyCheckpoint(early, keys.Single(k => k.KeyId == early.KeyId)).Valid);
            var now = await Expect.WithinAsync(TimeSpan.FromSeconds(30), async () =>
            {
                var checkpoint = await auditorAfter.Audit.GetCheckpointAsync(new GetCheckpointRequest());
                var entries = await auditorAfter.Audit.GetEntriesAsync(new GetEntriesRequest { Start = Math.Max(0, checkpoint.TreeSize - 1000), End = checkpoint.TreeSize });
                return entries.Entries.Any(e => e.Event is { Action: "system.restored" } restored && restored.ObjectId == manifest.Id) ? checkpoint : null;
            }, "the restore on the record");
            Assert.True(now.TreeSize > early.TreeSize);
            var proof = await auditorAfter.Audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = early.TreeSize, SecondSize = now.TreeSize });
            Assert.True(AuditBundleVerifier.VerifyConsistency(early, now, proof));
            var monitor = await Expect.WithinAsync(TimeSpan.FromSeconds(30),
                () => Task.FromResult(system.ServiceOf<LiaisonNet.Audit.Log.LogMonitor>(ServiceKind.Audit).Last), "the audit service's own check of the restored log");
            Assert.True(monitor.Valid, monitor.Detail);

            // A token signed before the backup is still good: the token keys came back with the data.
            using var withOldToken = new LiaisonClient(system.Endpoints, new StaticTokenSource(tokenBefore));
            await withOldToken.Relay.ListInboxAsync(new ListInboxRequest { Limit = 1 });

            // A message sent now lands above every cursor the lost system handed out.
            var fresh = await sender.Relay.SendMessageAsync(RelayDurabilityTests.Message($"after-restore-{Guid.NewGuid():n}", 0));
            var newest = (await withOldToken.Relay.ListInboxAsync(new ListInboxRequest { AfterCursor = cursorSeen, Limit = 10 })).Items;
            Assert.Contains(newest, i => i.MessageId == fresh.MessageId);
        }
        finally
        {
            Delete(backup);
            Delete(replaced);
        }
    }

    [Fact]
    public async Task ABackupOrRestoreThatCannotBeDoneSaysWhyAndChangesNothing()
    {
        var configuration = ConfigurationOf(fixture.System);
        var backup = Scratch();
        var elsewhere = Scratch();
        try
        {
            var manifest = await SystemBackup.BackupAsync(configuration, backup, TextWriter.Null);
            Assert.Contains(manifest.Files, f => f.Path.StartsWith("identity/signing-keys/", StringComparison.Ordinal));
            Assert.Contains(manifest.Files, f => f.Path.StartsWith("audit/checkpoint-keys/", StringComparison.Ordinal));
            Assert.Contains(manifest.Files, f => f.Path == "host-secrets.json");
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(backup));
            }

            // Into a folder that holds something, or inside the data folder.
            var notEmpty = await Assert.ThrowsAsync<BackupException>(() => SystemBackup.BackupAsync(configuration, backup, TextWriter.Null));
            Assert.Contains("is not empty", notEmpty.Message, StringComparison.Ordinal);
            var inside = await Assert.ThrowsAsync<BackupException>(() => SystemBackup.BackupAsync(configuration, Path.Combine(fixture.System.DataPath, "backup"), TextWriter.Null));
            Assert.Contains("inside the data folder", inside.Message, StringComparison.Ordinal);

            // Onto data without --replace; onto a running system; a damaged file; a backup that did not finish.
            var occupied = await Assert.ThrowsAsync<BackupException>(() => SystemBackup.RestoreAsync(configuration, backup, replace: false, TextWriter.Null));
            Assert.Contains("--replace", occupied.Message, StringComparison.Ordinal);
            var running = await Assert.ThrowsAsync<BackupException>(() => SystemBackup.RestoreAsync(configuration, backup, replace: true, TextWriter.Null));
            Assert.Contains("is running", running.Message, StringComparison.Ordinal);

            var target = new ConfigurationBuilder().AddInMemoryCollection(configuration.AsEnumerable()).AddInMemoryCollection(
                new Dictionary<string, string?> { ["Liaison:DataPath"] = elsewhere }).Build();
            var damagedFile = Path.Combine(backup, manifest.Files.First(f => f.Path.StartsWith("audit/checkpoint-keys/", StringComparison.Ordinal)).Path);
            var original = await File.ReadAllBytesAsync(damagedFile);
            await File.WriteAllBytesAsync(damagedFile, [.. original.Take(original.Length - 1), (byte)(original[^1] ^ 1)]);
            var damaged = await Assert.ThrowsAsync<BackupException>(() => SystemBackup.RestoreAsync(target, backup, replace: false, TextWriter.Null));
            Assert.Contains("damaged", damaged.Message, StringComparison.Ordinal);
            await File.WriteAllBytesAsync(damagedFile, original);
            File.Delete(Path.Combine(backup, BackupManifest.FileName));
            var unfinished = await Assert.ThrowsAsync<BackupException>(() => SystemBackup.RestoreAsync(target, backup, replace: false, TextWriter.Null));
            Assert.Contains("did not finish", unfinished.Message, StringComparison.Ordinal);
            Assert.False(System.IO.Directory.Exists(elsewhere) && System.IO.Directory.EnumerateFileSystemEntries(elsewhere).Any(), "nothing was restored");

            // The command line names what is missing.
            var usage = new StringWriter();
            Assert.Equal(2, await SystemBackup.RunAsync("restore", [], TextWriter.Null, usage));
            Assert.Contains("--from", usage.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Delete(backup);
            Delete(elsewhere);
        }
    }

    private static IConfiguration ConfigurationOf(RunningSystem system) => new ConfigurationBuilder().AddInMemoryCollection(system.Settings).Build();

    private static string Scratch() => Path.Combine(Path.GetTempPath(), "liaisonnet-tests", $"backup-{Guid.NewGuid():n}");

    private static void Delete(string? folder)
    {
        if (folder is not null && System.IO.Directory.Exists(folder))
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }
}
