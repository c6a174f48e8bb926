using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.Client.Audit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiaisonNet.Audit.Log;

/// <summary>Audit settings (section "Audit").</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>How often the stored log is re-verified against what was signed.</summary>
    public TimeSpan VerifyInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A new checkpoint-signing key is made at start when the newest is older than this.</summary>
    public TimeSpan CheckpointKeyRotationPeriod { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Make a new checkpoint-signing key at this start (after a suspected compromise).</summary>
    public bool RotateCheckpointKeyNow { get; set; }
}

/// <summary>
/// Re-verifies the stored log on a schedule, in one audit instance at a time (the lease "audit.monitor"). A failure is
/// an error in the log and a degraded health check ("audit-log-integrity" in /health/ready) until a later check
/// passes; the verifying instance writes its verdict into the shared data folder, and every other instance's health
/// check reports that verdict.
/// </summary>
public sealed class LogMonitor(
    AuditLog log, Microsoft.Extensions.Options.IOptions<AuditOptions> options, Microsoft.Extensions.Options.IOptions<ServiceDefaults.Hosting.LiaisonOptions> liaison,
    ServiceDefaults.Storage.WorkLeases leases, ILogger<LogMonitor> logger) : BackgroundService, IHealthCheck
{
    /// <summary>The last tree head verified (size and root), kept across restarts: the next check must extend it.</summary>
    private string SavedPath => Path.Combine(liaison.Value.DataFolderFor(ServiceDefaults.Hosting.ServiceKind.Audit.DataFolderName()), "last-verified-checkpoint.txt");

    /// <summary>The verdict of the instance that verified last: valid or failed, the size, the detail.</summary>
    private string VerdictPath => Path.Combine(liaison.Value.DataFolderFor(ServiceDefaults.Hosting.ServiceKind.Audit.DataFolderName()), "last-verification.txt");

    private volatile VerificationResult? _last;

    public VerificationResult? Last => _last;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leases.RunAsync("audit.monitor", MonitorAsync, stoppingToken);

    private async Task MonitorAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.VerifyInterval);
        do
        {
            try
            {
                // The checkpoint verified before (by this process or another sharing the log) is read first, then
                // what others appended since is taken in: the log now holds at least everything that checkpoint covers.
                var saved = await ReadSavedAsync(stoppingToken);
                VerificationResult result;
                try
                {
                    await log.RefreshAsync(stoppingToken);
                    result = await log.VerifyStoredAsync(stoppingToken);
                }
                catch (InvalidOperationException gap)
                {
                    // Entries appended elsewhere that do not continue the log.
                    result = VerificationResult.Fail(log.Size, gap.Message);
                }

                if (result.Valid && saved is var (savedSize, savedRoot))
                {
                    // Consistency with the last verified checkpoint: the log since then only grew, nothing before it changed.
                    if (savedSize > result.TreeSize || !Convert.ToHexStringLower(log.RootOf(savedSize)).Equals(savedRoot, StringComparison.Ordinal))
                    {
                        result = VerificationResult.Fail(result.TreeSize, $"The log is not an extension of the checkpoint of size {savedSize} verified before.");
                    }
                }

                if (result.Valid)
                {
                    // Written aside and moved into place, so that a reader never sees half of it.
                    var aside = $"{SavedPath}.{Guid.NewGuid():n}.tmp";
                    await File.WriteAllTextAsync(aside, $"{result.TreeSize} {Convert.ToHexStringLower(log.RootOf(result.TreeSize))}", stoppingToken);
                    File.Move(aside, SavedPath, overwrite: true);
                }

                if (!result.Valid)
                {
                    logger.LogError("AUDIT LOG INTEGRITY FAILURE at size {Size}: {Detail}", result.TreeSize, result.Detail);
                }
                else if (_last is { Valid: false })
                {
                    logger.LogWarning("The audit log verifies again at size {Size}", result.TreeSize);
                }

                _last = result;
                ServiceDefaults.Storage.FolderLock.WriteAtomically(VerdictPath,
                    $"{(result.Valid ? "valid" : "failed")}\t{result.TreeSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}\t{result.Detail.ReplaceLineEndings(" ")}");
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
            {
                logger.LogWarning("Could not re-verify the audit log: {Error}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>The size and root of the checkpoint verified last, or null when none was kept.</summary>
    private async Task<(long Size, string Root)?> ReadSavedAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(SavedPath))
        {
            return null;
        }

        var saved = (await File.ReadAllTextAsync(SavedPath, cancellationToken)).Split(' ');
        return saved.Length == 2 && long.TryParse(saved[0], System.Globalization.CultureInfo.InvariantCulture, out var size) ? (size, saved[1]) : null;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult((_last ?? ReadVerdict()) switch
        {
            null => HealthCheckResult.Healthy("Not verified yet."),
            { Valid: true } ok => HealthCheckResult.Healthy(ok.Detail),
            var failed => HealthCheckResult.Degraded($"Audit log integrity: {failed.Detail}"),
        });

    /// <summary>What the verifying instance found, when this one does not verify.</summary>
    private VerificationResult? ReadVerdict()
    {
        try
        {
            var parts = File.Exists(VerdictPath) ? File.ReadAllText(VerdictPath).Split('\t', 3) : [];
            return parts.Length == 3 && long.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var size)
                ? new VerificationResult(parts[0] == "valid", size, parts[2])
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
