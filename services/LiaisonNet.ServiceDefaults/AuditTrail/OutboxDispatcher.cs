using Polly;
using Grpc.Core;
using LiaisonNet.Protos.Audit.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.ServiceDefaults.AuditTrail;

/// <summary>
/// Delivers outbox events to the audit service in order, in batches, retrying with backoff while it is unreachable.
/// Events leave the outbox only after the audit service has stored them; it deduplicates by event id, so a retry after
/// a lost reply records nothing twice. One instance of a service delivers its outbox at a time (the lease); another
/// takes over within seconds when it dies.
/// </summary>
public sealed class OutboxDispatcher(
    IAuditOutbox store, OutboxSignal signal, AuditService.AuditServiceClient audit, Storage.WorkLeases leases, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private const int BatchSize = 200;
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    // A deadline on every delivery, and a breaker that stops calling an audit service that keeps failing: the events
    // wait in the outbox, which is where they are safe.
    private readonly Polly.ResiliencePipeline _delivery = new Polly.ResiliencePipelineBuilder { Name = "audit-delivery" }
        .AddCircuitBreaker(new Polly.CircuitBreaker.CircuitBreakerStrategyOptions
        {
            ShouldHandle = new Polly.PredicateBuilder()
                .Handle<RpcException>(e => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown)
                .Handle<HttpRequestException>()
                .Handle<Polly.Timeout.TimeoutRejectedException>(),
            FailureRatio = 0.5,
            MinimumThroughput = 3,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(5),
            OnOpened = _ =>
            {
                logger.LogWarning("The audit service keeps failing: deliveries pause for 5 s, events wait in the outbox");
                return default;
            },
        })
        .AddTimeout(TimeSpan.FromSeconds(15))
        .Build();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leases.RunAsync("audit-outbox", DeliverAsync, stoppingToken);

    private async Task DeliverAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var batch = await store.PeekOutboxAsync(BatchSize, stoppingToken);
                if (batch.Count == 0)
                {
                    await signal.WaitAsync(Idle, stoppingToken);
                    continue;
                }

                var request = new AppendRequest { Events = { batch.Select(b => b.Event) } };
                await _delivery.ExecuteAsync(async token => await audit.AppendAsync(request, cancellationToken: token), stoppingToken);
                await store.RemoveFromOutboxAsync([.. batch.Select(e => e.Seq)], stoppingToken);
                backoff = TimeSpan.FromMilliseconds(200);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or HttpRequestException or Client.Auth.TokenRequestException or Polly.ExecutionRejectedException)
            {
                logger.LogWarning("Audit delivery failed, retrying in {Backoff}: {Error}", backoff, ex.Message);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The outbox itself failed (its database busy or not yet created): events wait, the service keeps running.
                logger.LogError(ex, "Reading the audit outbox failed, retrying in {Backoff}", backoff);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }
}
