namespace LiaisonNet.Identity.Accounts;

/// <summary>Identity server settings (section "Identity").</summary>
public sealed class IdentityServerOptions
{
    public const string Section = "Identity";

    /// <summary>Create the demo accounts at first start (embedded default only).</summary>
    public bool SeedDemoData { get; set; }

    /// <summary>Password of every demo account.</summary>
    public string DemoPassword { get; set; } = string.Empty;

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(10);

    /// <summary>Secret of the gateway's confidential client.</summary>
    public string GatewayClientSecret { get; set; } = string.Empty;

    /// <summary>Secrets of the services' own clients by client id (for example "liaison-relay").</summary>
    public Dictionary<string, string> ServiceClientSecrets { get; set; } = [];

    /// <summary>When set, a demo automation client ("liaison-demo-automation") with this secret exists.</summary>
    public string DemoAutomationSecret { get; set; } = string.Empty;
}
