using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.ServiceDefaults.Access;

/// <summary>
/// A token bucket per caller: a burst, then a steady rate. Scaled out, the bucket lives in Redis (key
/// <c>liaison:{name}:{caller}</c>), so every instance of the service counts the same caller together; while Redis
/// cannot be reached, each instance counts on its own (still limited, never unlimited).
/// </summary>
public class CallerRateLimiter : IDisposable
{
    // Refilled by the time passed on Redis's own clock, one token taken per call.
    private const string Script = """
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local burst = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(state[1]) or burst
        local at = tonumber(state[2]) or ms
        tokens = math.min(burst, tokens + (ms - at) * rate / 1000)
        local granted = 0
        local wait = 0
        if tokens >= 1 then
            tokens = tokens - 1
            granted = 1
        else
            wait = math.ceil((1 - tokens) * 1000 / rate)
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(ms))
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
        return {granted, wait}
        """;

    private readonly string _name;
    private readonly PartitionedRateLimiter<string> _local;
    private readonly StackExchange.Redis.IConnectionMultiplexer? _redis;
    private readonly Polly.ResiliencePipeline? _pipeline;

    protected CallerRateLimiter(string name, int burst, int perSecond, ILogger logger, StackExchange.Redis.IConnectionMultiplexer? redis)
    {
        _name = name;
        Burst = Math.Max(1, burst);
        PerSecond = Math.Max(1, perSecond);
        _local = PartitionedRateLimiter.Create<string, string>(caller =>
            RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Burst,
                TokensPerPeriod = PerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        _redis = redis;
        _pipeline = redis is null ? null : ScaleOut.RedisResilience.Pipeline(logger, $"{name} limits");
    }

    public int Burst { get; }

    public int PerSecond { get; }

    /// <summary>Takes one call from the caller's bucket: null when granted, else how long to wait.</summary>
    public async ValueTask<TimeSpan?> TryAcquireAsync(string caller, CancellationToken cancellationToken)
    {
        if (_redis is { IsConnected: true } redis)
        {
            try
            {
                var result = await _pipeline!.ExecuteAsync(async _ => (StackExchange.Redis.RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script,
                    [new StackExchange.Redis.RedisKey($"liaison:{_name}:{caller}")], [Burst, PerSecond]))!, cancellationToken);
                return (int)result[0] == 1 ? null : TimeSpan.FromMilliseconds((int)result[1]);
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or Polly.ExecutionRejectedException)
            {
                // Counted here alone until Redis answers again.
            }
        }

        using var lease = await _local.AcquireAsync(caller, 1, cancellationToken);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
    }

    /// <summary>
    /// Takes one call for the caller of <paramref name="context"/>, or refuses it with <c>ResourceExhausted</c>, the wait
    /// in the <c>retry-after-ms</c> trailer and <paramref name="what"/> in the message.
    /// </summary>
    public async Task ThrottleAsync(global::Grpc.Core.ServerCallContext context, string caller, string what)
    {
        if (await TryAcquireAsync(caller, context.CancellationToken) is { } retry)
        {
            context.ResponseTrailers.Add("retry-after-ms", ((int)Math.Ceiling(retry.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            throw new global::Grpc.Core.RpcException(new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.ResourceExhausted,
                $"Too many {what}: at most {PerSecond} a second after a burst of {Burst}; try again in {Math.Max(1, Math.Ceiling(retry.TotalSeconds))} s."));
        }
    }

    public void Dispose()
    {
        _local.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Calls of one kind open at once per caller, in this instance: a live stream is refused with <c>ResourceExhausted</c>
/// once the caller holds <see cref="Max"/> of them.
/// </summary>
public sealed class OpenPerCaller(int max)
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    public int Max { get; } = Math.Max(1, max);

    /// <summary>Counts one more for <paramref name="caller"/>, or returns null when it holds <see cref="Max"/> already; dispose what it returns when the call ends.</summary>
    public IDisposable? TryOpen(string caller)
    {
        lock (_open)
        {
            var count = _open.GetValueOrDefault(caller);
            if (count >= Max)
            {
                return null;
            }

            _open[caller] = count + 1;
        }

        return new Release(this, caller);
    }

    private void Close(string caller)
    {
        lock (_open)
        {
            if (_open.TryGetValue(caller, out var count) && count <= 1)
            {
                _open.Remove(caller);
            }
            else if (count > 1)
            {
                _open[caller] = count - 1;
            }
        }
    }

    private sealed class Release(OpenPerCaller owner, string caller) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Close(caller);
            }
        }
    }
}
