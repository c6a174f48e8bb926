using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;

namespace LiaisonNet.ServiceDefaults.ScaleOut;

/// <summary>
/// Hints that instances of a service give each other ("this inbox grew", "the directory changed"): in process in the
/// embedded default, through Redis pub/sub when <c>Liaison:Redis</c> is set. A signal is only a hint: whoever waits on
/// one also looks for itself from time to time, more often while <see cref="Reliable"/> is false, so a lost signal
/// delays and never loses.
/// </summary>
public interface IInstanceSignals
{
    /// <summary>Tells every instance, this one included. Never blocks and never fails the caller.</summary>
    void Publish(string channel, string message);

    /// <summary>Calls <paramref name="handler"/> for every message on <paramref name="channel"/>, from any instance.</summary>
    void Subscribe(string channel, Action<string> handler);

    /// <summary>False while signals from other instances may be missed (Redis unreachable): look for changes more often.</summary>
    bool Reliable { get; }

    /// <summary>Raised when signals flow again after a time when some may have been missed.</summary>
    event Action? Restored;
}

/// <summary>One process: a signal goes straight to its handlers.</summary>
public sealed class InProcessSignals : IInstanceSignals
{
    private readonly ConcurrentDictionary<string, Action<string>[]> _handlers = new(StringComparer.Ordinal);

    public bool Reliable => true;

    public event Action? Restored
    {
        add { }
        remove { }
    }

    public void Publish(string channel, string message)
    {
        foreach (var handler in _handlers.GetValueOrDefault(channel) ?? [])
        {
            handler(message);
        }
    }

    public void Subscribe(string channel, Action<string> handler) =>
        _handlers.AddOrUpdate(channel, _ => [handler], (_, existing) => [.. existing, handler]);
}

/// <summary>
/// Signals through Redis pub/sub. This instance's own handlers are called at once, without Redis; other instances hear
/// of it through the channel <c>liaison:{service}:{channel}</c>. Publishing is queued and sent in the background behind
/// a deadline and a circuit breaker, so a slow or absent Redis costs the caller nothing: while it is away, signals are
/// dropped (they are hints) and <see cref="Reliable"/> is false.
/// </summary>
public sealed class RedisSignals : BackgroundService, IInstanceSignals
{
    private const int QueueLimit = 10_000;
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly string _instance = Guid.NewGuid().ToString("n");
    private readonly InProcessSignals _local = new();
    private readonly Channel<(string Channel, string Message)> _queue =
        Channel.CreateBounded<(string, string)>(new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<RedisSignals> _logger;
    private volatile bool _missed;

    public RedisSignals(IConnectionMultiplexer redis, string service, ILogger<RedisSignals> logger)
    {
        _redis = redis;
        _prefix = $"liaison:{service}:";
        _logger = logger;
        _pipeline = RedisResilience.Pipeline(logger, "signals");
        _redis.ConnectionFailed += (_, e) =>
        {
            _missed = true;
            _logger.LogWarning("Redis connection lost ({Failure}): live signals between instances pause", e.FailureType);
        };
        _redis.ConnectionRestored += (_, _) =>
        {
            if (_missed)
            {
                _missed = false;
                _logger.LogInformation("Redis connection restored: live signals between instances resume");
                Restored?.Invoke();
            }
        };
    }

    public bool Reliable => _redis.IsConnected && !_missed;

    public event Action? Restored;

    public void Publish(string channel, string message)
    {
        _local.Publish(channel, message);
        _queue.Writer.TryWrite((channel, message));
    }

    public void Subscribe(string channel, Action<string> handler)
    {
        _local.Subscribe(channel, handler);
        var own = _instance + "|";
        _redis.GetSubscriber().Subscribe(RedisChannel.Literal(_prefix + channel), (_, value) =>
        {
            var text = (string?)value;
            if (text is not null && !text.StartsWith(own, StringComparison.Ordinal) && text.IndexOf('|') is var bar and >= 0)
            {
                handler(text[(bar + 1)..]);
            }
        }, CommandFlags.FireAndForget);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(string Channel, string Message)>(256);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < 256 && _queue.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }

                try
                {
                    await _pipeline.ExecuteAsync(async token =>
                    {
                        var subscriber = _redis.GetSubscriber();
                        await Task.WhenAll(batch.Select(s => subscriber.PublishAsync(RedisChannel.Literal(_prefix + s.Channel), $"{_instance}|{s.Message}"))).WaitAsync(token);
                    }, stoppingToken);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutRejectedException or BrokenCircuitException or TimeoutException)
                {
                    // Hints only: the receivers look for themselves until signals flow again.
                    _missed = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>Every call to Redis: a deadline, and a circuit breaker that stops calling a Redis that keeps failing.</summary>
public static class RedisResilience
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    public static ResiliencePipeline Pipeline(ILogger logger, string name) => new ResiliencePipelineBuilder { Name = $"redis-{name}" }
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutRejectedException>().Handle<TimeoutException>(),
            FailureRatio = 0.5,
            MinimumThroughput = 4,
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = TimeSpan.FromSeconds(2),
            OnOpened = _ =>
            {
                logger.LogWarning("Redis keeps failing: calls for {Use} stop for a while", name);
                return default;
            },
            OnClosed = _ =>
            {
                logger.LogInformation("Redis answers again: calls for {Use} resume", name);
                return default;
            },
        })
        .AddTimeout(Deadline)
        .Build();
}
