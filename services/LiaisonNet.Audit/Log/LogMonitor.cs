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
/// Re-verifies the stored log on a schedule. A failure is an error in the log and a degraded health check
/// ("audit-log-integrity" in /health/ready) until a later check passes.
/// </summary>
public sealed class LogMonitor(
    AuditLog log, Microsoft.Extensions.Options.IOptions<AuditOptions> options, Microsoft.Extensions.Options.IOptions<ServiceDefaults.Hosting.LiaisonOptions> liaison,
    ILogger<LogMonitor> logger) : BackgroundService, IHealthCheck
{
    /// <summary>The last tree head verified (size and root), kept across restarts: the next check must extend it.</summary>
    private string SavedPath => Path.Combine(liaison.Value.DataFolderFor(ServiceDefaults.Hosting.ServiceKind.Audit.DataFolderName()), "last-verified-checkpoint.txt");

    private volatile VerificationResult? _last;

    public VerificationResult? Last => _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.VerifyInterval);
        do
        {
            try
            {
                var result = await log.VerifyStoredAsync(stoppingToken);
                if (result.Valid && File.Exists(SavedPath))
                {
                    // Consistency with the last verified checkpoint: the log since then only grew, nothing before it changed.
                    var saved = (await File.ReadAllTextAsync(SavedPath, stoppingToken)).Split(' ');
                    var savedSize = long.Parse(saved[0], System.Globalization.CultureInfo.InvariantCulture);
                    if (savedSize > result.TreeSize || !Convert.ToHexStringLower(log.RootOf(savedSize)).Equals(saved[1], StringComparison.Ordinal))
                    {
                        result = VerificationResult.Fail(result.TreeSize, $"The log is not an extension of the checkpoint of size {savedSize} verified before.");
                    }
                }

                if (result.Valid)
                {
                    await File.WriteAllTextAsync(SavedPath, $"{result.TreeSize} {Convert.ToHexStringLower(log.RootOf(result.TreeSize))}", stoppingToken);
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
            }
            catch (System.Data.Common.DbException ex)
            {
                logger.LogWarning("Could not re-verify the audit log: {Error}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_last switch
        {
            null => HealthCheckResult.Healthy("Not verified yet."),
            { Valid: true } ok => HealthCheckResult.Healthy(ok.Detail),
            var failed => HealthCheckResult.Degraded($"Audit log integrity: {failed.Detail}"),
        });
}
