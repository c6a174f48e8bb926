using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Http.Resilience;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;
using Polly.Timeout;

namespace LiaisonNet.ServiceDefaults.Resilience;

/// <summary>
/// Polly checks its strategy options with DataAnnotations, and <see cref="RangeAttribute"/> converts its bounds (say
/// "00:00:00.5" to a TimeSpan) the first time it is used, in place, without a lock: two pipelines built at once for the
/// first time can meet half-way and fail with an InvalidCastException (seen when test systems start in parallel). Each
/// options type the services use is checked once here, under a lock, before any pipeline is built.
/// </summary>
public static class ResilienceOptionsWarmUp
{
    private static readonly Lazy<bool> Done = new(() =>
    {
        object[] options =
        [
            new CircuitBreakerStrategyOptions(), new RetryStrategyOptions(), new TimeoutStrategyOptions(), new ChaosFaultStrategyOptions(),
            new ChaosLatencyStrategyOptions(), new HttpStandardResilienceOptions(), new HttpRetryStrategyOptions(), new HttpCircuitBreakerStrategyOptions(),
            new HttpTimeoutStrategyOptions(), new HttpRateLimiterStrategyOptions(),
        ];
        foreach (var value in options)
        {
            Validator.TryValidateObject(value, new ValidationContext(value), [], validateAllProperties: true);
        }

        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void Ensure() => _ = Done.Value;
}
