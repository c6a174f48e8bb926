using Grpc.Core;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Simmy;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;

namespace LiaisonNet.ServiceDefaults.Resilience;

/// <summary>
/// How a service calls another: a call that fails in transport (Unavailable) is retried by gRPC itself, twice, with
/// backoff (every call between services is a read or carries an idempotency key: appends to the audit log name their
/// event); under the retries, a circuit breaker per target stops calling a service that keeps failing and answers
/// Unavailable at once until it recovers; under that, the chaos strategies of <see cref="ChaosOptions"/>.
/// </summary>
public static class ServiceCallResilience
{
    private const string PreviousAttempts = "grpc-previous-rpc-attempts";

    public static IHttpClientBuilder AddServiceCallResilience(this IHttpClientBuilder client, string target)
    {
        client.ConfigureChannel(channel =>
        {
            channel.ServiceConfig ??= new ServiceConfig();
            channel.ServiceConfig.MethodConfigs.Add(new MethodConfig
            {
                Names = { MethodName.Default },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1), BackoffMultiplier = 2,
                    RetryableStatusCodes = { StatusCode.Unavailable },
                },
            });
        });
        client.AddHttpMessageHandler(sp => new BrokenCircuitIsUnavailable(sp.GetRequiredService<ChaosSwitch>(), target));
        client.AddResilienceHandler($"liaison-{target}", (pipeline, context) =>
        {
            var chaos = context.ServiceProvider.GetRequiredService<ChaosSwitch>();
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("LiaisonNet.Resilience");
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5, MinimumThroughput = 20, SamplingDuration = TimeSpan.FromSeconds(10), BreakDuration = TimeSpan.FromSeconds(3),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException),
                OnOpened = args =>
                {
                    chaos.Count(target, ChaosSwitch.Events.CircuitOpened);
                    logger.LogWarning("Calls to {Target} keep failing: the circuit is open for {BreakDuration}", target, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    chaos.Count(target, ChaosSwitch.Events.CircuitClosed);
                    logger.LogInformation("Calls to {Target} succeed again: the circuit is closed", target);
                    return ValueTask.CompletedTask;
                },
            });
            pipeline.AddChaos(chaos, target);
        });
        return client;
    }

    /// <summary>Polly's chaos strategies for <paramref name="target"/>, at the rates <paramref name="chaos"/> says now.</summary>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddChaos(this ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ChaosSwitch chaos, string target) =>
        pipeline
            .AddChaosLatency(new ChaosLatencyStrategyOptions
            {
                Latency = chaos.Latency,
                InjectionRateGenerator = _ => ValueTask.FromResult(chaos.DelayRate(target)),
                EnabledGenerator = _ => ValueTask.FromResult(chaos.DelayRate(target) > 0),
                OnLatencyInjected = _ =>
                {
                    chaos.Count(target, ChaosSwitch.Events.Delay);
                    return ValueTask.CompletedTask;
                },
            })
            .AddChaosFault(new ChaosFaultStrategyOptions
            {
                InjectionRateGenerator = _ => ValueTask.FromResult(chaos.FaultRate(target)),
                EnabledGenerator = _ => ValueTask.FromResult(chaos.FaultRate(target) > 0),
                // As a dropped connection looks: an I/O failure under the HTTP one, which gRPC reports as Unavailable.
                FaultGenerator = new FaultGenerator().AddException(() => new HttpRequestException(
                    HttpRequestError.ConnectionError, $"Injected by {ChaosOptions.Section}: the connection to {target} dropped.", new IOException("The connection was reset."))),
                OnFaultInjected = _ =>
                {
                    chaos.Count(target, ChaosSwitch.Events.Fault);
                    return ValueTask.CompletedTask;
                },
            });

    /// <summary>
    /// Outermost: an open circuit's refusal becomes a transport failure (an I/O failure under an HTTP one), which gRPC
    /// reports as Unavailable and retries within its bounded attempts; a retry that reached the service is counted.
    /// </summary>
    private sealed class BrokenCircuitIsUnavailable(ChaosSwitch chaos, string target) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (request.Headers.Contains(PreviousAttempts))
                {
                    chaos.Count(target, ChaosSwitch.Events.RetryAnswered);
                }

                return response;
            }
            catch (BrokenCircuitException ex)
            {
                chaos.Count(target, ChaosSwitch.Events.CircuitRefused);
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"Calls to {target} are paused after repeated failures; retry shortly.", new IOException(ex.Message, ex));
            }
        }
    }
}
