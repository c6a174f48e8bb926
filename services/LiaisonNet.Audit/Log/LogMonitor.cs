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
public sealed class LogMonitor(AuditLog log, Microsoft.Extensions.Options.IOptions<AuditOptions> options, ILogger<LogMonitor> logger) : BackgroundService, IHealthCheck
{
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
            catch (Microsoft.Data.Sqlite.SqliteException ex)
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
