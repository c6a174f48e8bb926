namespace LiaisonNet.Identity.Accounts;

/// <summary>Identity server settings (section "Identity").</summary>
public sealed class IdentityServerOptions
{
    public const string Section = "Identity";

    /// <summary>Create the demo accounts at first start (embedded default only).</summary>
    public bool SeedDemoData { get; set; }

    /// <summary>Password of every demo account.</summary>
    public string DemoPassword { get; set; } = string.Empty;

    /// <summary>Short, so that a disabled account loses access quickly.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(10);

    /// <summary>How long each signing key signs before the next one takes over.</summary>
    public TimeSpan SigningKeyRotationPeriod { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long the next key is published before it signs; longer than the services' configuration refresh (12 hours),
    /// so that none meets a token signed by a key it has not fetched.
    /// </summary>
    public TimeSpan SigningKeyPublishLead { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How often the running server checks whether the next key's time has come.</summary>
    public TimeSpan SigningKeyCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Make a new signing key that signs from this start (after a suspected compromise); older keys keep validating the tokens they signed.</summary>
    public bool RotateSigningKeyNow { get; set; }

    /// <summary>Failed sign-ins in a row before the account is locked.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Secret of the gateway's confidential client.</summary>
    public string GatewayClientSecret { get; set; } = string.Empty;

    /// <summary>Secrets of the services' own clients by client id (for example "liaison-relay").</summary>
    public Dictionary<string, string> ServiceClientSecrets { get; set; } = [];

    /// <summary>When set, a demo automation client ("liaison-demo-automation") with this secret exists.</summary>
    public string DemoAutomationSecret { get; set; } = string.Empty;
}
