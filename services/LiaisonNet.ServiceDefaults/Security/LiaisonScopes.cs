namespace LiaisonNet.ServiceDefaults.Security;

/// <summary>OAuth scopes and the audiences (resources) they grant. One audience per service.</summary>
public static class LiaisonScopes
{
    public const string Directory = "directory";
    public const string Relay = "relay";
    /// <summary>Read the trail (auditors).</summary>
    public const string Audit = "audit";
    /// <summary>Append to the trail (services only, by client credentials).</summary>
    public const string AuditAppend = "audit.append";
    /// <summary>Administer accounts (agency and system administrators).</summary>
    public const string Accounts = "accounts";
    /// <summary>Ask which agency an account belongs to (LiaisonNet services only, by client credentials).</summary>
    public const string AccountsLookup = "accounts.lookup";
}

public static class LiaisonAudiences
{
    public const string Directory = "liaison-directory";
    public const string Relay = "liaison-relay";
    public const string Audit = "liaison-audit";
    /// <summary>The identity server's account administration API.</summary>
    public const string Identity = "liaison-identity";
}

/// <summary>Claim types LiaisonNet adds to its tokens beyond the standard OIDC ones.</summary>
public static class LiaisonClaims
{
    public const string Country = "country";
    public const string Agency = "agency";
    /// <summary>A desk the account staffs (one claim per desk).</summary>
    public const string Desk = "desk";
}

public static class LiaisonRoles
{
    public const string Officer = "officer";
    public const string DeskOperator = "desk-operator";
    public const string Auditor = "auditor";
    public const string AgencyAdmin = "agency-admin";
    public const string SystemAdmin = "system-admin";
    /// <summary>Carried only by client-credentials tokens of a client registered as an automated sender of one agency.</summary>
    public const string Sender = "sender";
}
