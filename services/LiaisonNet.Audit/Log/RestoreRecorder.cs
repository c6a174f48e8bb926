using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Audit.Log;

/// <summary>What a restore leaves in the audit data folder for the log to record at its next start.</summary>
public sealed record RestoreMark(string BackupId, DateTimeOffset BackupTakenAt, DateTimeOffset RestoredAt, long EntriesRestored)
{
    public const string FileName = "restored-from-backup.json";
}

/// <summary>
/// Puts a restore on the record: at the first start after one, the log appends <c>system.restored</c> (which backup,
/// taken when, restored when, how many entries it held), so that an auditor reading the trail sees where it was wound
/// back. Entries appended after the backup was taken, and checkpoints of them, are not in the restored log.
/// </summary>
public sealed class RestoreRecorder(AuditLog log, IOptions<LiaisonOptions> liaison, ILogger<RestoreRecorder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var folder = liaison.Value.DataFolderFor(ServiceKind.Audit.DataFolderName());
        var path = Path.Combine(folder, RestoreMark.FileName);
        if (!File.Exists(path))
        {
            return;
        }

        // Instances sharing the folder: one records it; the event id makes a second append a no-op anyway.
        using var exclusive = FolderLock.Take(folder, "restore");
        if (!File.Exists(path))
        {
            return;
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken);
        var mark = JsonSerializer.Deserialize<RestoreMark>(text) ?? throw new InvalidOperationException($"{path} is empty.");
        await log.AppendAsync(
        [
            new AuditEvent
            {
                EventId = $"restore-{mark.BackupId}-{mark.RestoredAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}",
                OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(mark.RestoredAt),
                Actor = "liaison-audit", Action = "system.restored", ObjectType = "backup", ObjectId = mark.BackupId,
                ContentHash = ByteString.CopyFrom(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))),
                Agencies = { AuditScope.EveryAgency }, Source = "liaison-audit",
                Related = { mark.BackupTakenAt.ToString("O", CultureInfo.InvariantCulture), mark.EntriesRestored.ToString(CultureInfo.InvariantCulture) },
            },
        ], cancellationToken);
        File.Delete(path);
        logger.LogWarning("Restored from backup {Backup} taken at {TakenAt}: the log holds the {Entries} entries it held then, and records the restore",
            mark.BackupId, mark.BackupTakenAt, mark.EntriesRestored);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
