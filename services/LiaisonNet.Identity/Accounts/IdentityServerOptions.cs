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

    /// <summary>A new signing key is made at start when the newest is older than this.</summary>
    public TimeSpan SigningKeyRotationPeriod { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Make a new signing key at this start (the old ones keep validating the tokens they signed).</summary>
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
