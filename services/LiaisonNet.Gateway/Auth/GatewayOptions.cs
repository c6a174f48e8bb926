namespace LiaisonNet.Gateway.Auth;

/// <summary>Gateway settings (section "Gateway").</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The gateway's confidential client secret at the identity server.</summary>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>How long a browser session lasts without activity.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often a live inbox connection checks that its session still stands (and renews its token when due).</summary>
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Live inbox connections (/hubs/inbox) one user may hold at once on one gateway instance: tabs and devices, not a flood.</summary>
    public int MaxHubConnectionsPerUser { get; set; } = 20;
}
