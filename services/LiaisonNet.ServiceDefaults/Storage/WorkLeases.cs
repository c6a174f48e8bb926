using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.ServiceDefaults.Storage;

/// <summary>
/// Background work that must run in one process at a time among all that share a database (escalations, retention
/// purges, outbox delivery, the audit monitor). A process runs the work only while it holds the work's lease; the lease
/// lives on a connection of its own, so when the holder dies the database frees it at once and another process takes
/// it over within <see cref="Retry"/>. A holder that loses its connection stops the work before anyone else can start it
/// again, so a lost lease never means two runners for longer than the database takes to notice.
/// </summary>
public sealed class WorkLeases(ServiceDatabase database, ILogger<WorkLeases> logger)
{
    /// <summary>How often a waiting process asks for the lease, and how often the holder checks its connection.</summary>
    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="work"/> whenever this process holds the lease <paramref name="name"/>, until <paramref name="stopping"/>.</summary>
    public async Task RunAsync(string name, Func<CancellationToken, Task> work, CancellationToken stopping)
    {
        if (database.Kind == StorageKind.Sqlite)
        {
            await work(stopping);
            return;
        }

        var waitingLogged = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenAsync(stopping);
                if (!await database.TryTakeLeaseAsync(connection, name, stopping))
                {
                    if (!waitingLogged)
                    {
                        logger.LogInformation("Another process runs {Work}; this one takes over if it stops", name);
                        waitingLogged = true;
                    }

                    await Task.Delay(Retry, stopping);
                    continue;
                }

                waitingLogged = false;
                logger.LogInformation("This process now runs {Work}", name);
                await HoldAsync(connection, name, work, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (DbException ex)
            {
                logger.LogWarning("The lease on {Work} could not be taken or kept: {Error}", name, ex.Message);
                await Task.Delay(Retry, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task HoldAsync(DbConnection connection, string name, Func<CancellationToken, Task> work, CancellationToken stopping)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var running = Task.Run(() => work(held.Token), CancellationToken.None);
        try
        {
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(Retry, stopping));
                if (running.IsCompleted || stopping.IsCancellationRequested)
                {
                    break;
                }

                try
                {
                    using var check = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    check.CancelAfter(Retry * 5);
                    await using var alive = connection.Command("SELECT 1");
                    await alive.ExecuteScalarAsync(check.Token);
                }
                catch (Exception ex) when (ex is DbException or OperationCanceledException && !stopping.IsCancellationRequested)
                {
                    logger.LogWarning("Lost the lease on {Work} ({Error}); stopping it here", name, ex.Message);
                    throw new LeaseLostException(name, ex);
                }
            }
        }
        finally
        {
            await held.CancelAsync();
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
                // Stopped because the lease or the process is ending.
            }

            if (connection.State == System.Data.ConnectionState.Open)
            {
                // The pooled connection goes back without the lease.
                try
                {
                    await using var release = connection.Command("SELECT pg_advisory_unlock_all()");
                    await release.ExecuteNonQueryAsync(CancellationToken.None);
                }
                catch (DbException)
                {
                    // The connection is broken: the server has freed the lease with it.
                }
            }
        }
    }

    private sealed class LeaseLostException(string name, Exception inner) : DbException($"The lease on {name} was lost.", inner);
}
