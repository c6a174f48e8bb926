using Microsoft.Extensions.Options;

namespace LiaisonNet.Relay.Messages;

/// <summary>Relay settings (section "Relay").</summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>Body encryption keys by id, each 32 random bytes in base64. Old keys stay so that old messages still open.</summary>
    public Dictionary<string, string> BodyKeys { get; set; } = [];

    /// <summary>The key id new messages are encrypted with.</summary>
    public string ActiveBodyKey { get; set; } = string.Empty;

    /// <summary>How long action recipients have to acknowledge, by precedence.</summary>
    public AcknowledgeDeadlines Deadlines { get; set; } = new();

    /// <summary>How often messages past their expiry are purged.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sends (and forwards) one sender may make at once before the steady rate applies.</summary>
    public int SendBurst { get; set; } = 300;

    /// <summary>The steady rate of sends per sender, once the burst is spent: a duty desk's rush passes, a runaway script does not.</summary>
    public int SendsPerSecond { get; set; } = 30;

    /// <summary>Live inbox streams (Subscribe) one user may hold open at once on one relay instance.</summary>
    public int MaxStreamsPerUser { get; set; } = 8;
}

/// <summary>Sends per sender (Relay:SendBurst, Relay:SendsPerSecond), counted together by every relay instance through Redis when scaled out.</summary>
public sealed class SendRateLimiter(IOptions<RelayOptions> options, ILogger<SendRateLimiter> logger, StackExchange.Redis.IConnectionMultiplexer? redis = null)
    : ServiceDefaults.Access.CallerRateLimiter("relay:sends", options.Value.SendBurst, options.Value.SendsPerSecond, logger, redis);

/// <summary>The live inbox streams open on this instance, per user (Relay:MaxStreamsPerUser).</summary>
public sealed class LiveStreams(IOptions<RelayOptions> options)
{
    public ServiceDefaults.Access.OpenPerCaller Open { get; } = new(options.Value.MaxStreamsPerUser);
}

/// <summary>Defaults in the spirit of allied practice: FLASH 10 minutes, IMMEDIATE 30, PRIORITY 3 hours, ROUTINE 6 hours.</summary>
public sealed class AcknowledgeDeadlines
{
    public TimeSpan Flash { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan Immediate { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan Priority { get; set; } = TimeSpan.FromHours(3);
    public TimeSpan Routine { get; set; } = TimeSpan.FromHours(6);
}
