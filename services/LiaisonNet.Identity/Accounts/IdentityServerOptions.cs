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

    /// <summary>
    /// Clients registered as automated senders of one agency, by client id (section "Identity:Senders:{id}"). Each signs in
    /// by client credentials with the directory and relay scopes, and sends only under a sender entry of the same id and
    /// agency in the directory.
    /// </summary>
    public Dictionary<string, SenderClient> Senders { get; set; } = [];
}

/// <summary>One registered automated sender.</summary>
public sealed class SenderClient
{
    public string Secret { get; set; } = string.Empty;

    /// <summary>The agency it sends for (for example KZ-BS) and that agency's country.</summary>
    public string Agency { get; set; } = string.Empty;

    public string Country { get; set; } = string.Empty;

    public string DisplayName { get; set; } = string.Empty;
}
