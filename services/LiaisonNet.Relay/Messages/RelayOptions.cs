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
}

/// <summary>Defaults in the spirit of allied practice: FLASH 10 minutes, IMMEDIATE 30, PRIORITY 3 hours, ROUTINE 6 hours.</summary>
public sealed class AcknowledgeDeadlines
{
    public TimeSpan Flash { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan Immediate { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan Priority { get; set; } = TimeSpan.FromHours(3);
    public TimeSpan Routine { get; set; } = TimeSpan.FromHours(6);
}
