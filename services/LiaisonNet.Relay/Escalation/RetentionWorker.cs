using LiaisonNet.ServiceDefaults.Storage;
using LiaisonNet.Relay.Messages;
using LiaisonNet.Relay.Storage;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Relay.Escalation;

/// <summary>Purges messages past their expiry on schedule (Relay:PurgeInterval); the audit trail keeps their hashes.</summary>
public sealed class RetentionWorker(RetentionStore store, IOptions<RelayOptions> options, WorkLeases leases, ILogger<RetentionWorker> logger) : BackgroundService
{
    /// <summary>One relay instance purges at a time, whichever holds the lease.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leases.RunAsync("relay.retention", PurgeAsync, stoppingToken);

    private async Task PurgeAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                int purged;
                do
                {
                    purged = await store.PurgeExpiredAsync(500, stoppingToken);
                    if (purged > 0)
                    {
                        logger.LogInformation("Purged {Count} expired messages", purged);
                    }
                }
                while (purged == 500);
            }
            catch (System.Data.Common.DbException ex)
            {
                logger.LogWarning("Purging expired messages failed, retrying at the next interval: {Error}", ex.Message);
            }
        }
    }
}
